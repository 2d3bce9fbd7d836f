"""gunicorn's access log line at a fraction of its cost: the logger class `paperfeed web` gives
gunicorn (``--logger-class``, core/serving.py).

For every request gunicorn's ``Logger.access`` builds a dict of twenty atoms plus one entry per
request header, response header and environ variable (~60 for a browser's request), copies it
into ``SafeAtoms`` (each text's double quotes escaped), formats ``access_log_format`` with it and
hands the line to the logging module (a record, the handler's formatter, its lock, a flush):
55-77 µs a request, 6-7 % of a signed-in worker's samples (docs/performance.md, "S87: the
access log"). Its default format writes nine of those atoms. :class:`AccessLogger` computes
those nine exactly as ``atoms()`` does, escapes them as ``SafeAtoms`` does, and writes the line
to gunicorn's own access handler, under the handler's lock: the same bytes to the same stream
(``-``, a file reopened on USR1 as before). Whatever else an operator asked for takes
gunicorn's own path unchanged: their ``--access-logformat``, a logging configuration
(``--log-config*``), syslog, or any other handler, filter or level on ``gunicorn.access``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from gunicorn import glogging
from gunicorn.config import AccessLogFormat
from gunicorn.instrument.statsd import Statsd

# gunicorn's own default, `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`.
DEFAULT_FORMAT: str = AccessLogFormat.default
# Logger.now's: Apache's common log format.
CLF_TIME = "[%d/%b/%Y:%H:%M:%S %z]"
# The handlers gunicorn makes for `--access-logfile` ("-" and a path): their emit is a write
# of the formatted record and its terminator, then a flush.
PLAIN_HANDLERS = (logging.StreamHandler, logging.FileHandler)


def _quoted(value: Any) -> Any:
    # SafeAtoms: a text atom's double quotes escaped, nothing else; other values as they are.
    return value.replace('"', '\\"') if isinstance(value, str) else value


class AccessLogger(glogging.Logger):
    def __new__(cls, cfg: Any) -> Any:
        # gunicorn picks its statsd logger itself when statsd is on and the logger class is
        # its default; this class standing in the default's place keeps that choice.
        if getattr(cfg, "statsd_host", None):
            return Statsd(cfg)
        return super().__new__(cls)

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # (second, its text): one tuple, read and replaced whole by gthread's threads.
        self._clock: tuple[int, str] = (-1, "")
        self._direct = self._direct_handler()

    def _direct_handler(self) -> logging.StreamHandler[Any] | None:
        """gunicorn's own access handler when the default line is all the access log writes
        and that handler alone would see it; else None, gunicorn's path."""
        cfg = self.cfg
        configured = cfg.logconfig or cfg.logconfig_dict or cfg.logconfig_json or cfg.syslog
        if cfg.access_log_format != DEFAULT_FORMAT or configured or cfg.accesslog is None:
            return None
        handlers = self.access_log.handlers
        if len(handlers) != 1:
            return None
        handler = handlers[0]
        formatter = handler.formatter
        if (
            not isinstance(handler, logging.StreamHandler)
            or type(handler) not in PLAIN_HANDLERS
            or not getattr(handler, "_gunicorn", False)
            or handler.filters
            or handler.level > logging.INFO
            or type(formatter) is not logging.Formatter
            or formatter._fmt != self.access_fmt
        ):
            return None
        return handler

    def now(self) -> str:
        """Logger.now's text, formatted once a second."""
        second = int(time.time())
        clock = self._clock
        if clock[0] != second:
            clock = (second, time.strftime(CLF_TIME, time.localtime(second)))
            self._clock = clock
        return clock[1]

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        handler = self._direct
        log = self.access_log
        handlers = log.handlers
        # Checked per request: the application may configure logging after gunicorn did.
        if (
            handler is None
            or len(handlers) != 1
            or handlers[0] is not handler
            or handler.stream is None  # closed: its own emit opens it again
            or log.filters
            or log.propagate
            or not log.isEnabledFor(logging.INFO)
        ):
            super().access(resp, req, environ, request_time)
            return
        # Logger.atoms' nine atoms of the default format, in its order and with its defaults.
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        user = self._get_user(environ) if environ.get("HTTP_AUTHORIZATION") else None
        request = "%s %s %s" % (  # noqa: UP031 - Logger.atoms' own conversion of each part
            environ["REQUEST_METHOD"],
            environ["RAW_URI"],
            environ["SERVER_PROTOCOL"],
        )
        line = '%s - %s %s "%s" %s %s "%s" "%s"%s' % (  # noqa: UP031 - as the format's %s
            _quoted(environ.get("REMOTE_ADDR", "-")),
            _quoted(user or "-"),
            self.now(),
            _quoted(request),
            _quoted(status),
            _quoted((sent is not None and str(sent)) or "-"),
            _quoted(environ.get("HTTP_REFERER", "-")),
            _quoted(environ.get("HTTP_USER_AGENT", "-")),
            handler.terminator,
        )
        self._write(handler, line)

    def _write(self, handler: logging.StreamHandler[Any], line: str) -> None:
        # StreamHandler.emit's write and flush, under the lock Handler.handle takes; the stream
        # is read under it, so a reopen (USR1) is seen at once.
        handler.acquire()
        try:
            stream = handler.stream
            stream.write(line)
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            handler.handleError(
                logging.LogRecord(self.access_log.name, logging.INFO, __file__, 0, line, None, None)
            )
        finally:
            handler.release()
