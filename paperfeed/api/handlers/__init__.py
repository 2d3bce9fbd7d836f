"""The JSON endpoints, one module per resource. Thin: parse, call a selector or service, shape
the answer.

Importing the modules registers their routes on ``api``, in this order: ``/papers/submit`` must
come before ``/papers/{id}``, which would otherwise take "submit" as an id. Each route names its
``operation_id`` so the OpenAPI schema does not depend on which module holds it.
"""

from paperfeed.api.handlers import daily, foryou, library, papers, writes  # noqa: F401
