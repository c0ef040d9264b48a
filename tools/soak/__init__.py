"""The soak run (`flask --app app soak`, `make soak`): the production setup through a simulated day
under faults, then a count of what was lost or duplicated. See README "Soak".

options.py holds the run's settings, receivers.py the local SMTP server and webhook receiver,
processes.py gunicorn, the schedulers and the faults, load.py the operators' tablets, checks.py
the final count, run.py the order of it all and cli.py the command.
"""
