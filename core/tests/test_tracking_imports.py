"""`import mlplug` is free: the fluent API and the client load only when first used, and stay stdlib-light."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
before = set(sys.modules)
{statement}
new = {{m.split(".")[0] for m in set(sys.modules) - before}}
print(json.dumps(sorted(n for n in new if n not in sys.stdlib_module_names)))
"""


def third_party_imported_by(statement: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(statement=statement)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_import_mlplug_imports_nothing_outside_the_standard_library():
    assert third_party_imported_by("import mlplug") == ["mlplug"]


def test_the_python_api_modules_import_only_the_kernel():
    statement = "import mlplug.tracking.fluent, mlplug.tracking.client, mlplug.tracking.artifacts, mlplug.http"
    assert third_party_imported_by(statement) == ["mlplug"]


def test_first_use_loads_the_plugin_host_but_no_heavy_library():
    statement = "import mlplug; mlplug.get_tracking_uri(); mlplug.MlflowClient"
    assert set(third_party_imported_by(statement)) <= {"mlplug", "pluggy", "stevedore"}
