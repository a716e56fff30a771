// Starts Swagger UI on /api/docs (templates/api/docs.html) with the app's OpenAPI
// document. A file, not inline: the CSP forbids inline scripts.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
})();
