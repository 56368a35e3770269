"""Local servers speaking the protocols of an OpenAI-compatible endpoint and Rasa's REST channel.

Run by `tests.support.local_server.serving` in a process of their own.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SEEN: list[dict[str, Any]] = [{}]


async def chat_completions(request: Request) -> JSONResponse:
    """An OpenAI-compatible endpoint whose 'model' answers only what its articles say."""
    body = await request.json()
    SEEN.append(body)
    question = body["messages"][-1]["content"].lower()
    system = body["messages"][0]["content"]
    ids = re.findall(r"^\[([\w-]+)\]", system, re.M)
    if "explode" in question:
        return JSONResponse({"error": {"message": "boom"}}, status_code=500)
    if "return" in question and "returns" in ids:
        content = json.dumps(
            {
                "can_answer": True,
                "answer": "You have 30 days to return it.",
                "article_ids": ["returns"],
            }
        )
    elif "return" in question:
        content = "Sure! " + json.dumps(
            {"can_answer": True, "answer": "Made up.", "article_ids": ["x"]}
        )
    else:
        content = json.dumps({"can_answer": False, "answer": "", "article_ids": []})
    return JSONResponse({"choices": [{"message": {"role": "assistant", "content": content}}]})


async def rasa_rest(request: Request) -> JSONResponse:
    """Rasa's REST channel: a list of bot messages for the sender."""
    body = await request.json()
    SEEN.append(body)
    text = body["message"].lower()
    if "slow" in text:
        await asyncio.sleep(3)
    if "hours" in text:
        return JSONResponse([{"recipient_id": body["sender"], "text": "We open at 9."}])
    if "weird" in text:
        return JSONResponse(
            [{"recipient_id": body["sender"], "text": "Sorry, I didn't understand."}]
        )
    return JSONResponse([])


async def seen(request: Request) -> JSONResponse:
    """The last request body, so a test can check what the client sent."""
    return JSONResponse(SEEN[-1])


app = Starlette(
    routes=[
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/webhooks/rest/webhook", rasa_rest, methods=["POST"]),
        Route("/seen", seen),
    ]
)
