"""Thin HTTP routers; the domain logic lives in the domain packages."""
