"""Rasa's logistic-regression intent classifier with regularisation and calibrated confidence.

Rasa 3.6 fixes scikit-learn's ``C`` at 1.0, which on a few hundred short Thai examples and
tens of thousands of sparse n-gram features gives soft probabilities: too many clear
messages fall under the fallback threshold. With a large ``C`` the opposite happens: the
model says 0.99+ for nearly everything, right or wrong, and a fallback threshold means
nothing. So the confidence is calibrated by temperature scaling: the probabilities become
``softmax(log p / T)``, with ``T`` chosen to minimise the log-loss on a stratified
calibration split of the *training* data (20% set aside, a model fitted on the other 80%;
the held-out set is never looked at). One split rather than k folds: each fit of this
model costs about as much as the rest of training, and one scalar needs few examples. ``T``
rescales every message the same way, so the ranking of intents, and hence accuracy, is
unchanged. ``C`` and the figures are in ``bench/README.md``.

The two fits (the calibration model and the final one) are independent, so they run side by
side in two worker processes when the machine has two cores: the same models (up to
floating-point rounding, as a worker sums on one thread) in less time, since the fits are
most of a training run.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

# Candidate temperatures: T < 1 sharpens, T > 1 softens; log-spaced from 0.5 to 50.
TEMPERATURES = np.exp(np.linspace(np.log(0.5), np.log(50.0), 121))


def soften(probas: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log p / T)`` row by row (the same as dividing the logits by ``T``)."""
    logits = np.log(np.clip(probas, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(probas: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the mean negative log-likelihood of ``truth``."""
    rows = np.arange(len(truth))
    losses = [-np.log(np.clip(soften(probas, t)[rows, truth], 1e-12, 1.0)).mean()
              for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def _fit_all(template, jobs: list[tuple]) -> list:
    """A fresh copy of ``template`` fitted on each ``(X, y)``: in parallel worker processes
    when there are cores for it (scikit-learn's own joblib), else one after the other."""
    from joblib import Parallel, delayed
    from sklearn.base import clone

    workers = min(len(jobs), os.cpu_count() or 1)
    if workers < 2:
        return [clone(template).fit(X, y) for X, y in jobs]
    # A bound ``fit``: the workers unpickle scikit-learn only, not this module (nor Rasa).
    return Parallel(n_jobs=workers, backend="loky")(
        delayed(clone(template).fit)(X, y) for X, y in jobs)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` plus ``C`` and temperature-scaled confidence.

    Options: ``C`` (inverse regularisation), ``calibration_split`` (fraction of the
    training data the temperature is fitted on; 0 keeps the raw probabilities).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0,
                "calibration_split": 0.2}

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self.temperature = 1.0

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the final model on all the data and, beside it, the calibration model whose
        temperature is kept; then persist both (Rasa's way, and ``T`` beside it)."""
        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return super().train(training_data)  # Rasa's own "no data" path
        y = np.asarray(y)
        split = self._calibration_split(y, float(self.config["calibration_split"]))
        jobs = [(X, y)] + ([(X[split[0]], y[split[0]])] if split else [])
        fitted = _fit_all(self.clf, jobs)
        self.clf = fitted[0]
        if split:
            model, cal_idx = fitted[1], split[1]
            index = {c: i for i, c in enumerate(model.classes_)}
            truth = np.array([index[c] for c in y[cal_idx]])
            self.temperature = fit_temperature(model.predict_proba(X[cal_idx]), truth)
            logger.info("intent confidence temperature %.2f", self.temperature)
        self.persist()
        return self._resource

    def _calibration_split(self, y: np.ndarray, split: float):
        """``(fit rows, calibration rows)``, stratified; None when there is none to make."""
        from sklearn.model_selection import StratifiedShuffleSplit

        if not 0 < split < 1 or np.unique(y, return_counts=True)[1].min() < 2:
            return None
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=split,
                                          random_state=self.config["random_state"])
        return next(splitter.split(np.zeros(len(y)), y))

    def process(self, messages: list[Message]) -> list[Message]:
        """Classify with calibrated confidences (Rasa's ``process`` with ``T`` applied)."""
        X = self._create_X(messages)
        probas = soften(self.clf.predict_proba(X), self.temperature)
        names = self.clf.classes_
        for row, message in zip(probas, messages, strict=True):
            pairs = zip(names, row, strict=True)
            ranking = sorted(({"name": n, "confidence": float(p)} for n, p in pairs),
                             key=lambda e: -e["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            if self.config["ranking_length"] > 0:
                ranking = ranking[: self.config["ranking_length"]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        """The scikit-learn model (Rasa's way) and the temperature beside it."""
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / "calibration.json").write_text(
                json.dumps({"temperature": self.temperature}), encoding="utf-8")

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context, **kwargs: Any) -> LinearIntentClassifier:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / "calibration.json"
                if path.exists():
                    component.temperature = float(
                        json.loads(path.read_text(encoding="utf-8"))["temperature"])
        except ValueError:  # no stored resource: an untrained component, T stays 1
            pass
        return component
