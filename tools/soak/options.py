"""What a soak run does: how long, how fast, how many processes, which faults."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/soak"


@dataclass
class SoakOptions:
    database_url: str = DEFAULT_URL  # dropped and created again: never point this at real data
    day: str = ""                    # simulated local day, YYYY-MM-DD (default: tomorrow)
    start: time = time(0, 5)         # simulated local start and end of the run on that day
    end: time = time(21, 0)
    speed: float = 360.0             # simulated seconds per real second
    workers: int = 4
    schedulers: int = 2
    crews: int = 3                   # crews whose operators use the tablet app (and get email/webhook)
    tablets_per_crew: int = 2
    kill_scheduler: bool = True
    kill_worker: bool = True
    restart_database: bool = True
    replay_share: float = 0.15       # completions sent again with the same key after the answer
    race_share: float = 0.05         # completions sent twice at once
    seed: int | None = None          # random moments and choices; printed, so a run can be repeated
    work_dir: str = ""               # logs of every process (default: a new temporary folder)
    echo: object = field(default=print, repr=False)

    def real_seconds(self, start: datetime, end: datetime) -> float:
        return (end - start) / timedelta(seconds=1) / self.speed
