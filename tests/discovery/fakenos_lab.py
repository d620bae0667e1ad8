"""Run fakenos SSH devices in a separate process (test/benchmark helper, not a test module).

Usage: ``python fakenos_lab.py SPEC.json`` where SPEC is
``{"devices": [{"name", "platform", "address", "port", "username", "password",
"commands": {cmd: output}, "hang": {cmd: seconds}}]}``. Prints ``READY`` once every device
listens, then runs until stdin closes or SIGTERM. A separate process keeps the device side's
logging (fakenos logs what it receives) out of the client's logs and gives the SSH servers
their own interpreter (GIL) in benchmarks.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from typing import Any

PROMPTS = ["{base_prompt}#", "{base_prompt}>"]


def _hang(seconds: float, text: str = "") -> Any:
    def output(*_: Any, **__: Any) -> str:
        time.sleep(seconds)
        return text

    return output


def build(spec: dict[str, Any]) -> list[Any]:
    from fakenos import FakeNOS

    nets = []
    for dev in spec["devices"]:
        commands: dict[str, Any] = {}
        for cmd, out in dev.get("commands", {}).items():
            commands[cmd] = {"output": out, "prompt": PROMPTS, "help": cmd}
        for cmd, secs in dev.get("hang", {}).items():
            commands[cmd] = {"output": _hang(float(secs)), "prompt": PROMPTS, "help": cmd}
        host = {
            "username": dev.get("username", "admin"),
            "password": dev.get("password", "admin"),
            "port": int(dev["port"]),
            "platform": dev["platform"],
            "server": {
                "plugin": "ParamikoSshServer",
                "configuration": {"address": dev["address"], "timeout": 1},
            },
            "nos": {"plugin": dev["platform"], "configuration": {"commands": commands}},
        }
        if dev.get("ssh_key_file"):
            host["server"]["configuration"]["ssh_key_file"] = dev["ssh_key_file"]
        nets.append(FakeNOS(inventory={"hosts": {dev["name"]: host}}))
    for net in nets:
        net.start()
    return nets


def main() -> None:
    logging.basicConfig(level=logging.CRITICAL)
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    nets = build(spec)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("READY", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    for net in nets:
        try:
            net.stop()
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    sys.stdout.flush()
    import os

    os._exit(0)  # hanging command threads must not keep the process alive


if __name__ == "__main__":
    main()
