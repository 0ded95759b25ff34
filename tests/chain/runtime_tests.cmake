# chain/runtime tests
