"""Start the action server: build the runtime, hand it to the actions, serve.

rasa-sdk's own runner imports action classes by module and instantiates them
without arguments; here each action is constructed with what it needs (the
searcher, the rules, the deployment), so nothing is a module-level global and
the model is warm before Rasa's first call.
"""

from __future__ import annotations

import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.assistance import (
    ActionApplyAssistance,
    ActionDeclineOffer,
    ActionDefaultFallback,
    ActionQueryCase,
)
from actions.eligibility import ActionAskFact, ActionEligibilityResult, ValidateEligibilityForm
from actions.handoff import ActionHandoff
from actions.policy import ActionAnswerPolicy
from actions.runtime import Runtime
from actions.settings import ActionSettings

log = logging.getLogger(__name__)


def build_executor(runtime: Runtime) -> ActionExecutor:
    executor = ActionExecutor()
    for action in (
        ActionAnswerPolicy(runtime.searcher, runtime.deployment),
        ActionHandoff(runtime.deployment),
        ValidateEligibilityForm(
            runtime.rules, runtime.deployment, runtime.gazetteer, runtime.vocabulary
        ),
        *(ActionAskFact(question) for question in runtime.questions.values()),
        ActionEligibilityResult(runtime.rules, runtime.questions, runtime.deployment),
        ActionApplyAssistance(runtime.deployment),
        ActionQueryCase(runtime.deployment),
        ActionDeclineOffer(),
        ActionDefaultFallback(),
    ):
        executor.register_action(action)
    return executor


def serve(settings: ActionSettings) -> None:
    runtime = Runtime.start(settings)
    app = create_app(build_executor(runtime), cors_origins=[])
    log.info("action server listening on http://%s:%d", settings.host, settings.port)
    # One process: the runtime (index, model) is built once and is not picklable.
    app.prepare(host=settings.host, port=settings.port, single_process=True, access_log=False)
    Sanic.serve_single(primary=app)
