/**
 * The Handlebars source of the router's error page. Kept in a module (not a
 * .hbs file) so it ships inside dist/ with the code. It shows the status, a
 * sentence for humans and the request id, and nothing about the backends.
 */
export const ERROR_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{status}} {{title}}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; margin: 0; }
  main { max-width: 34rem; margin: 12vh auto; padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  .code { color: #8a93a6; font-weight: normal; }
  footer { margin-top: 1.5rem; font-size: .8rem; color: #8a93a6; }
</style>
</head>
<body>
<main>
  <h1><span class="code">{{status}}</span> {{title}}</h1>
  <p>{{message}}</p>
  <footer>Request ID: <code>{{requestId}}</code></footer>
</main>
</body>
</html>
`;
