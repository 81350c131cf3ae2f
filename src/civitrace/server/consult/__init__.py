"""The consultation server: storage services, the ``/consult/api`` routes, live updates
(Server-Sent Events fanned out through PostgreSQL LISTEN/NOTIFY). DESIGN §8, issue 9."""

from civitrace.server.consult.install import install_consult

__all__ = ["install_consult"]
