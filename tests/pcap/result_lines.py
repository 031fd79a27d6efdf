"""The result lines every test tier prints for tests/run.sh: PASS name, FAIL name: why,
SKIP name: why. Safe to call from several threads."""
import sys
import threading


class Results:
    def __init__(self, prefix):
        self.prefix = prefix
        self.failed = 0
        self._lock = threading.Lock()

    def result(self, name, why=None):
        """PASS name, or FAIL name: why when there is a why."""
        with self._lock:
            if why:
                self.failed += 1
                print("FAIL %s/%s: %s" % (self.prefix, name, why))
            else:
                print("PASS %s/%s" % (self.prefix, name))
            sys.stdout.flush()

    def skip(self, name, why):
        with self._lock:
            print("SKIP %s/%s: %s" % (self.prefix, name, why))
            sys.stdout.flush()

    def exit_code(self):
        return 1 if self.failed else 0
