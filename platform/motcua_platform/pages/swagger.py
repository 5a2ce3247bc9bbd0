"""Swagger UI at /api/docs, served whole by the app: swagger-ui-dist (Apache-2.0, vendored in
``static/swagger-ui``, see its LICENSE) through the fingerprinted assets, and a page of our own in place of
flask-smorest's, whose template loads the viewer from ``OPENAPI_SWAGGER_UI_URL`` and starts it with an
inline script. Ours loads a small init script from /assets, so it runs under a Content-Security-Policy
without 'unsafe-inline' for scripts; offline networks see the viewer too."""

from __future__ import annotations

from flask import Flask, Response, render_template, url_for

from motcua_platform.pages.blueprint import SECURITY_HEADERS

ENDPOINT = "api-docs.openapi_swagger_ui"


def swagger_ui_page() -> Response:
    from flask import current_app

    response = Response(
        render_template(
            "pages/swagger_ui.html",
            title=current_app.config["API_TITLE"],
            spec_url=url_for("api-docs.openapi_json"),
        )
    )
    # the pages' own policy (no inline script or style): Swagger UI 5 renders under it, its React
    # components setting styles through the DOM, which the policy allows
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-cache"
    return response


def install(app: Flask) -> None:
    """Replace flask-smorest's viewer (call once its Api is set up, with ``OPENAPI_SWAGGER_UI_PATH``)."""
    app.view_functions[ENDPOINT] = swagger_ui_page
