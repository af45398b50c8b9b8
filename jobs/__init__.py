"""When work runs: APScheduler wiring and one thin function per job."""
