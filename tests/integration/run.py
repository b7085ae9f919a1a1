#!/usr/bin/env python3
"""Integration tests: the real klankbord binary over HTTP on loopback.

Runs every test_* function in the test_*.py files beside this one (or those
named on the command line) and ends with the line 'integration: N passed, N failed'."""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    files = sorted(f for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    only = sys.argv[1:]
    passed = failed = 0
    for f in files:
        spec = importlib.util.spec_from_file_location(f[:-3], os.path.join(HERE, f))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(n for n in dir(mod) if n.startswith("test_")):
            if only and not any(o in f[:-3] + "." + name for o in only):
                continue
            t0 = time.monotonic()
            try:
                getattr(mod, name)()
            except Exception:
                failed += 1
                print("FAIL %s.%s" % (f[:-3], name))
                print("    " + traceback.format_exc().replace("\n", "\n    "))
            else:
                passed += 1
                print("ok   %s.%s (%.1fs)" % (f[:-3], name, time.monotonic() - t0))
            sys.stdout.flush()
    print("integration: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
