from culturebridge.cli import run

run()
