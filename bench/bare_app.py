"""The ceiling for bench/throughput_bench.py: a Flask app with one route and nothing else."""
from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return "ok"


@app.get("/livez")
def livez():
    return "ok"
