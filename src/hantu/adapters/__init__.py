"""Adapters: everything outside the domain, behind the ports."""
