// SPDX-License-Identifier: Apache-2.0
// Starts Swagger UI on this server's own OpenAPI document. Kept out of
// index.html so the page needs no inline script.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null,          // no call to an online validator
    withCredentials: true,       // "Try it out" with the session cookie
    tryItOutEnabled: false,
    displayRequestDuration: true,
  });
});
