"""register_web: the core blueprints, plugin blueprints and the one error handler."""

from __future__ import annotations

from flask import Flask

from gateway.state import GatewayState
from gateway.web import apitokens, batch, caches, health, metrics, models, odata, openapi, sysconfig, valrules
from gateway.web.edge import init_edge
from gateway.web.errors import register_error_handler


def register_web(app: Flask, state: GatewayState) -> None:
    init_edge(app, state.settings.hsts)
    app.register_blueprint(health.bp)
    app.register_blueprint(models.bp)
    app.register_blueprint(caches.bp)
    app.register_blueprint(batch.bp)
    app.register_blueprint(odata.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(apitokens.bp)
    app.register_blueprint(sysconfig.bp)
    app.register_blueprint(valrules.bp)
    for blueprints in state.plugins.hook.register_blueprints():
        for blueprint in blueprints or ():
            app.register_blueprint(blueprint)
    register_error_handler(app)
