// Starts Swagger UI on the API docs page (web/docs.py); a static file so the page needs no inline script.
(function () {
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({
      url: swagger.dataset.openapi,
      dom_id: "#swagger-ui",
      deepLinking: true,
      showExtensions: true,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
      layout: "BaseLayout"
    });
  }
})();
