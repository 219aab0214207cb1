"""The application: ``create_app(settings)`` builds one app over one database, versioned
under /v1, with its problem responses, request ids, size limit, access log and CORS (closed
unless ``CREDITBANK_API_CORS_ORIGINS`` names origins)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors, web
from api.middleware import RequestContext
from api.routes import admin, credentials, enterprise, institution, learner, policy, public
from creditbank.config import Settings, get_settings
from creditbank.store.session import make_engine

ROUTERS = (public, learner, enterprise, institution, admin, policy, credentials)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API over the database of ``settings`` (the environment's by default)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="creditbank",
        version="1",
        description="The credit bank: outcomes, recognitions, audits, rule sets.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router, prefix="/v1")
    web.mount(app)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        )
    app.add_middleware(RequestContext, max_body=settings.api_max_body_bytes)
    return app
