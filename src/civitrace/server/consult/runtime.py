"""The per-process parts of live updates: the bus and the hub, started with the app."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from civitrace.server.consult.bus import EventBus, bus_for
from civitrace.server.consult.hub import LiveHub


@dataclass(frozen=True, slots=True)
class ConsultRuntime:
    bus: EventBus
    hub: LiveHub

    @classmethod
    def for_engine(cls, engine: Engine, sessions: sessionmaker[Session]) -> "ConsultRuntime":
        return cls(bus_for(engine), LiveHub(sessions))

    async def start(self) -> None:
        self.hub.start()
        await self.bus.start(self.hub.on_notice)

    async def stop(self) -> None:
        await self.bus.stop()
        await self.hub.stop()


async def _runtime(request: Request) -> ConsultRuntime:
    # async: FastAPI would run a plain function in a worker thread, a hop for nothing
    runtime: ConsultRuntime = request.app.state.consult
    return runtime


async def _bus(request: Request) -> EventBus:
    runtime: ConsultRuntime = request.app.state.consult
    return runtime.bus


Runtime = Annotated[ConsultRuntime, Depends(_runtime)]
Bus = Annotated[EventBus, Depends(_bus)]
