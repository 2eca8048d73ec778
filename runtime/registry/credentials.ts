/** Registry credentials (a leaf module: runtime/types.ts and build/types.ts both name them). */

/** Credentials for one registry, as Docker's X-Registry-Auth carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** OAuth2 refresh token from an earlier login (exchanged at the token realm). */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}
