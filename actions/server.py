"""Start the action server: build the runtime, hand it to the actions, serve.

rasa-sdk's own runner imports action classes by module and instantiates them
without arguments; here each action is constructed with what it needs (the
searcher, the rules, the deployment, the case desk), so nothing is a
module-level global and the model is warm before Rasa's first call. The
outbox relay runs alongside, in the same event loop, while the server is up.
"""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.assistance import (
    ActionApplyAssistance,
    ActionDeclineOffer,
    ActionDefaultFallback,
    ActionStartCheck,
)
from actions.case_form import ValidateCaseForm
from actions.case_questions import case_questions
from actions.case_status import (
    ActionCaseStatus,
    ActionQueryCase,
    ValidateCaseLookupForm,
    lookup_questions,
)
from actions.case_submission import (
    ActionCancelCase,
    ActionCaseNews,
    ActionSubmitCase,
    CaseNews,
    WithCaseNews,
)
from actions.conversation_memory import FactReader
from actions.eligibility import ActionAskFact, ActionEligibilityResult, ValidateEligibilityForm
from actions.handoff import ActionHandoff
from actions.policy import ActionAnswerPolicy
from actions.runtime import Runtime
from actions.safety import GuardedExecutor
from actions.settings import ActionSettings
from cases.privacy import install_redaction

log = logging.getLogger(__name__)


def build_executor(runtime: Runtime) -> ActionExecutor:
    desk = runtime.cases.desk
    news = CaseNews(desk, runtime.deployment)
    answers: list[Action] = [
        ActionAnswerPolicy(
            runtime.searcher,
            runtime.deployment,
            runtime.gazetteer,
            FactReader(runtime.vocabulary, runtime.deployment, runtime.gazetteer),
        ),
        ActionHandoff(runtime.deployment),
        ActionEligibilityResult(runtime.rules, runtime.questions, runtime.deployment),
        ActionApplyAssistance(),
        ActionStartCheck(),
        ActionQueryCase(),
        ActionCaseStatus(desk, runtime.cases.guard, runtime.deployment),
        ActionDeclineOffer(),
        ActionDefaultFallback(),
    ]
    plain: list[Action] = [
        ValidateEligibilityForm(
            runtime.rules,
            runtime.deployment,
            runtime.gazetteer,
            runtime.vocabulary,
            reader=runtime.answers,
            questions=runtime.questions,
        ),
        *(ActionAskFact(question) for question in runtime.questions.values()),
        ValidateCaseForm(runtime.deployment, runtime.vocabulary, runtime.answers),
        *case_questions(runtime.deployment, runtime.questions),
        ActionSubmitCase(desk, runtime.deployment),
        ActionCancelCase(),
        ActionCaseNews(news),
        ValidateCaseLookupForm(),
        *lookup_questions(),
    ]
    # Every action and validator is guarded there: a failure is an answer, never a 500.
    executor = GuardedExecutor()
    # An answer is preceded by the number of a queued application delivered since.
    for action in answers:
        executor.register_action(WithCaseNews(action, news))
    for action in plain:
        executor.register_action(action)
    return executor


def serve(settings: ActionSettings) -> None:
    install_redaction()
    runtime = Runtime.start(settings)
    app = create_app(build_executor(runtime), cors_origins=[])
    stop = asyncio.Event()

    async def start_relay(app: Sanic) -> None:
        interval = runtime.cases.settings.relay_interval
        app.add_task(runtime.cases.desk.run_relay(interval, stop), name="outbox-relay")

    async def stop_relay(app: Sanic) -> None:
        stop.set()
        await runtime.cases.close()

    app.register_listener(start_relay, "after_server_start")
    app.register_listener(stop_relay, "before_server_stop")
    log.info("action server listening on http://%s:%d", settings.host, settings.port)
    # One process: the runtime (index, model) is built once and is not picklable.
    app.prepare(host=settings.host, port=settings.port, single_process=True, access_log=False)
    Sanic.serve_single(primary=app)
