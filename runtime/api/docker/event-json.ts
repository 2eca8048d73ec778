/** Engine events → Docker's `/events` messages, and Docker's event filters. */
import { hasLabel } from '../../../lib/labels.js';
import type { EngineEvent } from '../../types.js';
import { checkFilterNames, type Filters } from './filters.js';
import type { EventMessage } from './types.js';

/** One message of `GET /events`; dockerd fills the legacy status/id/from fields only for containers and images. */
export function eventJson(e: EngineEvent): EventMessage {
  const legacy = e.type === 'volume' || e.type === 'network' ? {} : { status: e.action, id: e.id, ...(e.attributes.image ? { from: e.attributes.image } : {}) };
  return {
    ...legacy,
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: e.attributes },
    scope: 'local',
    time: e.time,
    timeNano: e.timeNano,
  };
}

/** A predicate for Docker's event filters: type, event, container, image, volume, network, label. */
export function eventMatcher(f: Filters): (e: EngineEvent) => boolean {
  checkFilterNames(f, ['type', 'event', 'container', 'image', 'volume', 'network', 'label']);
  const any = (values: string[] | undefined, test: (v: string) => boolean) => !values?.length || values.some(test);
  return (e) =>
    any(f.type, (t) => t === e.type)
    && any(f.event, (a) => a === e.action || e.action.startsWith(`${a}:`))
    && any(f.container, (c) => e.type === 'container' && (e.id.startsWith(c) || e.attributes.name === c))
    && any(f.image, (i) => e.attributes.image === i || (e.type === 'image' && (e.id === i || e.attributes.name === i)))
    && any(f.volume, (v) => e.type === 'volume' && e.id === v)
    && any(f.network, (n) => e.type === 'network' && (e.id.startsWith(n) || e.attributes.name === n))
    && (f.label ?? []).every((l) => hasLabel(e.attributes, l));
}
