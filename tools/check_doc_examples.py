#!/usr/bin/python3
"""Check that every example in doc/*.md and README.md, a ```sql block followed by an
output block, appears verbatim (query, then output) in a pg_regress expected file, so
that the documented output is the output the test suite checks.  Exit 1 on a mismatch."""
import glob
import os
import re
import sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
expected = "\n".join(open(p).read() for p in sorted(glob.glob(os.path.join(root, "expected", "*.out"))))
pattern = re.compile(r"```sql\n(.*?)\n```\n\n```\n(.*?)\n```", re.S)
checked = failed = 0
for page in sorted(glob.glob(os.path.join(root, "doc", "*.md"))) + [os.path.join(root, "README.md")]:
    if not os.path.exists(page):
        continue
    text = open(page).read()
    for m in pattern.finditer(text):
        checked += 1
        if m.group(1) + "\n" + m.group(2) + "\n" not in expected:
            failed += 1
            line = text[:m.start()].count("\n") + 1
            print("%s:%d: example not found with this output in expected/*.out:\n%s"
                  % (os.path.relpath(page, root), line, m.group(1)))
print("doc examples: %d checked, %d not matching" % (checked, failed))
sys.exit(1 if failed or checked == 0 else 0)
