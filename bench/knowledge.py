"""Bench: the knowledge base after a restart — start-up time and the first answers.

Each start is a fresh Python process: import the app, ``create_app`` and
``prepare_for_serving`` (which reads the knowledge base: today's articles and the past
answers, from their file when one was saved), then the first answers as the console asks
them (``background=True``: never waits for past answers) and as the API gives them
(``GET /api/v1/knowledge/search``, in-process TestClient). A cold start has no saved past
answers (it reads them from the tickets' history and saves them); a warm start loads the
file and reads only the events since.

    .venv/bin/python bench/knowledge.py [--tickets 20000] [--data-dir DIR] [--starts 2]

Without ``--data-dir`` a demo district of ``--tickets`` tickets is built in a scratch
SQLite folder (about 5 minutes for 20,000 on 2 cores). With it, that folder's
``hotline.db`` is used. A few articles are added when the database has none (the demo
has none), and a bench operator to call the API.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = (
    "请问社保卡丢了补办要带什么材料",
    "残疾人就业补贴怎么申请",
    "居住证在哪里办理需要什么",
    "工厂废气扰民",
)
ARTICLES = (
    ("social-card", "社保卡补办", "社保卡遗失可通过“粤省事”小程序或到区社保经办窗口补办，"
     "携带身份证原件；材料齐全当场办结。"),
    ("residence", "居住证办理", "居住证在居住地街道来穗人员服务管理中心办理，需身份证、居住登记"
     "凭证，登记满半年可申领。"),
    ("disability-job", "残疾人就业补贴", "残疾人就业补贴向户籍所在镇街残联申请，携带身份证、"
     "残疾人证和劳动合同。"),
    ("dog", "养犬登记", "养犬登记可在“穗好办”或所在地派出所办理，需先完成狂犬疫苗接种。"),
    ("fund", "公积金提取", "住房公积金提取可通过“穗好办”或公积金中心窗口办理，租房提取每年一次。"),
)  # fmt: skip
OPERATOR = ("bench-op", "bench-pass-1")


def _prepare(data_dir: Path, tickets: int) -> None:
    os.environ["HOTLINE_DATA_DIR"] = str(data_dir)
    from sqlalchemy import func, select

    from hotline.config import settings_from_environment
    from hotline.domain.tickets import Actor, Role
    from hotline.services.admin.users import create_user
    from hotline.services.assist.knowledge import create_article
    from hotline.store.db import get_engine, session_factory
    from hotline.store.migrate import upgrade
    from hotline.store.models import KnowledgeArticle, Ticket, User

    engine = get_engine(settings_from_environment())
    upgrade(engine)
    with session_factory(engine)() as session:
        if not session.scalar(select(func.count()).select_from(Ticket)):
            from hotline.demo.loader import build_demo

            print(f"building a demo district of {tickets} tickets in {data_dir} …", flush=True)
            build_demo(session=session, n_tickets=tickets)
            session.commit()
        if not session.scalar(select(func.count()).select_from(KnowledgeArticle)):
            admin = Actor("bench", Role.ADMIN)
            for key, title, body in ARTICLES:
                create_article(session, actor=admin, values={"title": title, "body": body}, key=key)
        if not session.scalar(select(func.count()).where(User.username == OPERATOR[0])):
            name, password = OPERATOR
            create_user(session=session, username=name, password=password, role="operator")
            session.commit()


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clock()
    return wall - start[0], cpu - start[1]


def _start() -> dict[str, float]:
    """One start in this (fresh) process; prints what it measured as JSON (wall and CPU
    seconds: the machine may be shared)."""
    out: dict[str, float] = {}
    begun = _clock()
    from fastapi.testclient import TestClient

    from hotline.api.app import create_app, prepare_for_serving
    from hotline.services.assist import intake_hints
    from hotline.services.assist import knowledge as knowledge_base

    out["import_s"], out["import_cpu_s"] = _since(begun)
    step = _clock()
    app = create_app()
    out["create_app_s"], out["create_app_cpu_s"] = _since(step)
    step = _clock()
    with app.state.sessions() as session:  # what prepare_for_serving does first, timed alone
        warmed = knowledge_base.warm(session)
    out["knowledge_s"], out["knowledge_cpu_s"] = _since(step)
    out["history_from_file"] = float(warmed["from_file"])
    out["history_entries"] = float(warmed["entries"])
    prepare_for_serving(app)
    out["start_s"], out["start_cpu_s"] = _since(begun)
    with app.state.sessions() as session:
        for i, question in enumerate(QUESTIONS):
            step = _clock()
            found = intake_hints.knowledge_answers(session, question, k=3, background=True)
            out[f"console_{i}_ms"] = _since(step)[0] * 1000
            out[f"console_{i}_first_is_article"] = float(
                bool(found) and found[0]["kind"] == "article"
            )
    client = TestClient(app)
    step = _clock()
    client.get("/healthz")  # the first request of a TestClient, whatever it asks
    out["api_healthz_ms"] = _since(step)[0] * 1000
    token = client.post(
        "/api/v1/auth/token", data={"username": OPERATOR[0], "password": OPERATOR[1]}
    ).json()["access_token"]
    for i, question in enumerate(QUESTIONS[:2]):
        step = _clock()
        got = client.get(
            "/api/v1/knowledge/search",
            params={"q": question, "k": 3},
            headers={"Authorization": f"Bearer {token}"},
        )
        out[f"api_{i}_ms"] = _since(step)[0] * 1000
        assert got.status_code == 200 and got.json()[0]["kind"] == "article", got.text
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["load_average_1min"] = os.getloadavg()[0]
    print(json.dumps(out))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--starts", type=int, default=2, help="warm starts after the cold one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _start()
        return
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="hotline-bench-kb-"))
    _prepare(data_dir, args.tickets)
    for old in (data_dir / "knowledge").glob("history-*.pkl"):
        old.unlink()  # the first start is cold
    env = os.environ | {"HOTLINE_DATA_DIR": str(data_dir), "HOTLINE_ENV": "production"}
    env.setdefault("HOTLINE_SECRET_KEY", "bench-secret-key-not-for-production-use-0123")
    rows = []
    for n in range(1 + args.starts):
        done = subprocess.run(
            [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True
        )
        if done.returncode:
            sys.exit(done.stderr[-3000:])
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(("cold" if n == 0 else "warm", measured))
    keys = list(rows[0][1])
    print(f"{'':34}" + "".join(f"{name:>10}" for name, _ in rows))
    for key in keys:
        print(f"{key:34}" + "".join(f"{r[key]:10.1f}" for _, r in rows))


if __name__ == "__main__":
    main()
