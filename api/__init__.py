"""The REST API (FastAPI), filed as its own issue: thin routes that call creditbank.service.

It lives outside the core package so the core never imports HTTP concerns.
"""
