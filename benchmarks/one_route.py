"""The baseline (ratio 1.00): a one-route Flask app, the "hello world" of the issue."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "<!doctype html><title>minimal</title><p>Hello</p>"
