"""The control API's path prefix, shared by the server's routes and the client: the client
(`hantu sim-fault`, imported by every CLI command) must not load the server's starlette."""

PREFIX = "/__sim__"
