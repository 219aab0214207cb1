"""Routers per user group; each route parses, calls one service function, answers a model."""
