"""Deprecated entry point kept for pre-push hooks installed before 0.x: runs :mod:`auditor.hook.prepush`.

Hooks written by ``auditor hook install`` now run ``python -m auditor.hook.prepush``;
reinstall the hook to drop this module. It is removed in the next release.
"""

from auditor.hook.prepush import main

if __name__ == "__main__":
    raise SystemExit(main())
