#!/usr/bin/env python3
"""Validates docker-compose.yml against the Compose Specification schema, without a Docker engine.

    deploy/compose/check.py [--file docker-compose.yml] [--env-file .env.example] [--json]

Interpolates ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message} and $$ the way docker compose
does, from the env file (default .env.example) and then the environment; validates the result
against deploy/compose/compose-spec.json; exits 1 naming each problem. With --json, prints each
service's command, environment, ports and healthcheck as JSON (for the tests).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules():
    try:
        import jsonschema  # noqa: F401
        import yaml  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "pyyaml", "jsonschema"], check=True,
                       stdout=sys.stderr)
    import jsonschema
    import yaml
    return jsonschema, yaml


def read_env_file(path):
    values = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


PATTERN = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?|\?)(?P<arg>[^}]*))?\})")


def interpolate(value, env, problems, where):
    if isinstance(value, dict):
        return {k: interpolate(v, env, problems, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, problems, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        present = name in env
        current = env.get(name, "")
        if op == ":-":
            return current if current else arg
        if op == "-":
            return current if present else arg
        if op in (":?", "?"):
            if (op == ":?" and not current) or (op == "?" and not present):
                problems.append(f"{where}: {name} is required ({arg})")
            return current
        return current

    return PATTERN.sub(substitute, value)


def main():
    args = sys.argv[1:]
    env_file = ROOT / ".env.example"
    if "--env-file" in args:
        env_file = Path(args[args.index("--env-file") + 1])
    compose_file = ROOT / "docker-compose.yml"
    if "--file" in args:
        compose_file = Path(args[args.index("--file") + 1])
    jsonschema, yaml = modules()
    raw = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    env = {**read_env_file(env_file), **os.environ}
    problems = []
    document = interpolate(raw, env, problems, "docker-compose.yml")
    schema = json.loads((ROOT / "deploy/compose/compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
        problems.append(f"{'/'.join(str(p) for p in error.path) or '(top)'}: {error.message}")
    if problems:
        print("docker-compose.yml is not valid:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        sys.exit(1)
    if "--json" in args:
        services = {}
        for name, service in document["services"].items():
            environment = service.get("environment", {})
            if isinstance(environment, list):
                environment = dict(item.split("=", 1) for item in environment)
            services[name] = {
                "command": service.get("command"),
                "environment": {k: "" if v is None else str(v) for k, v in environment.items()},
                "ports": service.get("ports", []),
                "healthcheck": service.get("healthcheck", {}).get("test"),
                "image": service.get("image"),
                "deploy": service.get("deploy", {}),
                "logging": service.get("logging", {}),
            }
        print(json.dumps(services, sort_keys=True))
    else:
        print(f"docker-compose.yml is valid ({len(document['services'])} services)")


if __name__ == "__main__":
    main()
