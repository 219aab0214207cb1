"""Verifiable credentials: Open Badges 3.0 and CLR 2.0 out, signed with eddsa-rdfc-2022, and
verified credentials in. Pure functions over JSON documents and keys; the store and the CLI
call them."""
