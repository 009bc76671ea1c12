"""Fail when a JUnit report shows no tests, or any skipped test: CI never passes on a skipped layer."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(s.get("tests", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    print(f"junit: {tests} tests, {failed} failed, {skipped} skipped")
    if tests == 0:
        print("junit: FAIL: no test ran", file=sys.stderr)
        return 1
    if skipped:
        names = [c.get("classname", "") + "::" + c.get("name", "") for c in root.iter("testcase") if c.find("skipped") is not None]
        print("junit: FAIL: skipped tests are failures here:\n  " + "\n  ".join(names), file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
