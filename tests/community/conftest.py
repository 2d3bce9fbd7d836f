import pytest


class _FakeArxiv:
    """Papers the loopback arXiv API knows: {arxiv_id: (title, published datetime, comment)}."""

    def __init__(self) -> None:
        self.papers: dict = {}
        self.requests: list[str] = []

    def feed(self, ids: list[str]) -> bytes:
        from xml.sax.saxutils import escape

        entries = []
        for raw in ids:
            arxiv_id = raw.split("v")[0] if "v" in raw.split(".")[-1] else raw
            if arxiv_id not in self.papers:
                continue
            title, published, comment = self.papers[arxiv_id]
            stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
                f"<title>{escape(title)}</title><updated>{stamp}</updated>"
                f"<summary>An abstract.</summary><published>{stamp}</published>"
                + (f"<arxiv:comment>{escape(comment)}</arxiv:comment>" if comment else "")
                + '<category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>'
                '<arxiv:primary_category term="cs.CL"/>'
                "<author><name>Ada Lovelace</name></author></entry>"
            )
        return (
            "<?xml version='1.0' encoding='UTF-8'?>"
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
            "<id>https://arxiv.org/api/x</id><title>q</title>"
            "<updated>2026-01-01T00:00:00Z</updated>"
            f"<opensearch:itemsPerPage>{len(ids)}</opensearch:itemsPerPage>"
            f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
            "<opensearch:startIndex>0</opensearch:startIndex>" + "".join(entries) + "</feed>"
        ).encode()


@pytest.fixture
def arxiv_server(settings):
    """A loopback HTTP server answering arXiv API id_list queries; never the internet."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    fake = _FakeArxiv()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            fake.requests.append(self.path)
            query = parse_qs(urlsplit(self.path).query)
            ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
            body = fake.feed(ids)
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ARXIV_API_URL = f"http://127.0.0.1:{server.server_port}/api/query"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
