"""The ceiling for `make load`: a bare Flask hello-world, served by the same gunicorn settings."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "Hello, World!"
