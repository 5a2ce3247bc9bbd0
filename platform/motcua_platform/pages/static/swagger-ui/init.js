// Starts Swagger UI on /api/docs (served by the app: no CDN, and no inline script under the page's CSP).
// The document's address comes from the container's data-spec-url attribute.
window.addEventListener("DOMContentLoaded", function () {
  var container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui-container",
    validatorUrl: null, // the public validator is another host, and often unreachable
    deepLinking: true,
  });
});
