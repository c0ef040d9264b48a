"""Real concurrency for tests: actions run at the same moment in threads, each with its own
app context, session and database connection, on committed data."""
import threading

from propmgmt.demo.seed import wipe_database
from propmgmt.errors import Conflict
from propmgmt.extensions import db


def race(app, actions):
    """Runs each action in its own thread, app context and transaction, released together."""
    barrier = threading.Barrier(len(actions))
    results = [None] * len(actions)

    def run(index, action):
        with app.app_context():
            try:
                barrier.wait()
                action()
                db.session.commit()
                results[index] = "ok"
            except Conflict as error:
                db.session.rollback()
                results[index] = str(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def wipe(app):
    """Empties the database after a test that committed for real (the threads need committed data)."""
    with app.app_context():
        wipe_database()
        db.session.commit()
        db.session.remove()
