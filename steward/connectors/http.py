"""The one HTTP client for live sources: timeouts, TLS verification, retries with backoff, and
rate limits (429 with `Retry-After` or Discourse's `wait_seconds`) honoured."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from steward.errors import StewardError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
MAX_WAIT = 120.0  # never sleep longer than this for one rate limit


class ApiError(StewardError):
    """The platform said no, or could not be reached after retries."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class ApiClient:
    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = 20.0,
                 retries: int = 4, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep, verify: bool | str = True):
        self.base_url = base_url.rstrip("/")
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        import httpx  # here, not at the top: the pages import this module at start-up

        self.client = httpx.Client(base_url=self.base_url, headers=headers, verify=verify,
                                   timeout=httpx.Timeout(timeout, connect=10.0),
                                   follow_redirects=False)
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _wait_for(self, response: httpx.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        wait = None
        if header:
            try:
                wait = float(header)
            except ValueError:
                wait = None
        if wait is None:
            try:
                body = response.json()
                wait = float((body.get("extras") or {}).get("wait_seconds") or
                             body.get("wait_seconds"))
            except (ValueError, TypeError, AttributeError, json.JSONDecodeError):
                wait = None
        return min(MAX_WAIT, wait if wait is not None else self.backoff * 2 ** attempt)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send with retries on dropped connections, timeouts, 5xx and 429. Raises ApiError for
        anything else that is not a success (the response is on `err.status`)."""
        import httpx

        last = ""
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError as err:
                last = f"{type(err).__name__}"
                log.info("request failed (%s), attempt %d", last, attempt + 1)
                if attempt < self.retries:
                    self.sleep(self.backoff * 2 ** attempt)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}"
                if attempt < self.retries:
                    self.sleep(self._wait_for(response, attempt) if response.status_code == 429
                               else self.backoff * 2 ** attempt)
                continue
            if response.status_code in (401, 403):
                raise ApiError(f"{self.base_url} refused the API key or user "
                               f"(HTTP {response.status_code})", response.status_code)
            if response.status_code >= 400:
                raise ApiError(f"{method} {path} failed with HTTP {response.status_code}",
                               response.status_code)
            return response
        raise ApiError(f"{self.base_url} could not be reached ({last}) after "
                       f"{self.retries + 1} tries")

    def get_json(self, path: str, **params: Any) -> Any:
        response = self.request("GET", path, params=params or None)
        try:
            return response.json()
        except ValueError:
            raise ApiError(f"{path} did not answer with JSON; is the URL a Discourse forum?",
                           response.status_code) from None
