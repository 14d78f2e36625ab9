"""Background work: the task queue (`queue.py`, Huey), the periodic jobs it schedules, and the
claims (`claims.py`) that keep several workers on several machines from doing one job twice."""
