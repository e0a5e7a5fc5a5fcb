# dldrill:stub 2e09a4b47ba5 · from solutions/ch10/quiz.py · 여러분의 파일 / yours to edit
"""A multiple-choice quiz: the ten interview questions, and BERT vs GPT. / 객관식 퀴즈.

`QUESTIONS` below holds 16 questions (i01-i12: 면접 Q&A TOP 10, 커리큘럼 10장; b1-b4: BERT vs GPT,
커리큘럼 6-2), each with four options a-d. Write your answers in `ANSWERS`, one lowercase letter
per question id:

    ANSWERS = {"i01": "<letter>", "i02": "<letter>", ..., "b4": "<letter>"}

Print the quiz with `python -m ch10.quiz`. The graders keep the key as salted hashes only, so
nothing here or there gives the answers away; one point per question.
퀴즈를 출력하려면 `python -m ch10.quiz`. 질문 id마다 a-d 중 하나를 소문자로 적으세요.
"""

from __future__ import annotations

QUESTIONS: dict[str, dict] = {
    "i01": {
        "ko": "Q1. Sigmoid 활성화의 도함수 최댓값과, 깊은 망에서 그 결과는?",
        "en": "Q1. The largest value of sigmoid's derivative, and what it does in a deep net?",
        "options": {
            "a": "0.25 — 역전파에서 층마다 곱해져 입력 쪽 기울기가 0에 수렴한다 / multiplied layer "
                 "after layer, the gradients near the input vanish",
            "b": "0.5 — 기울기가 층마다 정확히 반으로 준다 / gradients halve exactly per layer",
            "c": "1 — 기울기가 층을 지나도 그대로 유지된다 / gradients keep their size",
            "d": "상한이 없다 — 기울기가 폭발한다 / unbounded — gradients explode",
        },
    },
    "i02": {
        "ko": "Q2. 추론(eval) 시 BatchNorm이 정규화에 쓰는 평균과 분산은?",
        "en": "Q2. Which mean and variance does BatchNorm use at inference (eval mode)?",
        "options": {
            "a": "지금 들어온 배치의 평균과 분산 / the current batch's statistics",
            "b": "학습 중 모은 이동 평균(running mean/var) / the running averages collected in training",
            "c": "항상 평균 0, 분산 1 / always mean 0 and variance 1",
            "d": "테스트 세트 전체의 통계를 한 번 계산해 쓴다 / statistics of the whole test set",
        },
    },
    "i03": {
        "ko": "Q3. PyTorch의 nn.Dropout(p)(inverted dropout)은 기댓값을 어떻게 맞추는가?",
        "en": "Q3. How does PyTorch's nn.Dropout(p) (inverted dropout) keep the expectation?",
        "options": {
            "a": "추론 때 출력에 (1-p)를 곱한다 / multiplies the outputs by (1-p) at inference",
            "b": "학습 때 살아남은 값을 1/(1-p)배 하고, 추론 때는 아무것도 하지 않는다 / scales the "
                 "kept units by 1/(1-p) in training and does nothing at inference",
            "c": "맞출 필요가 없다 / there is nothing to correct",
            "d": "학습 때 살아남은 값에 p를 곱한다 / multiplies the kept units by p in training",
        },
    },
    "i04": {
        "ko": "Q4. Adam에서 편향 보정(m/(1-β1^t), v/(1-β2^t))이 필요한 이유는?",
        "en": "Q4. Why does Adam apply bias correction (m/(1-β1^t), v/(1-β2^t))?",
        "options": {
            "a": "학습률을 점점 줄이기 위해 / to decay the learning rate",
            "b": "m과 v가 0에서 시작해 초반 추정이 0 쪽으로 치우치기 때문 / m and v start at 0, so "
                 "the early estimates are biased towards 0",
            "c": "수치 오버플로를 막기 위해 / to prevent overflow",
            "d": "가중치 감쇠(weight decay)를 더하기 위해 / to add weight decay",
        },
    },
    "i05": {
        "ko": "Q5. (N, 512, 7, 7) 특성 맵에 Global Average Pooling을 적용한 결과의 shape은?",
        "en": "Q5. The shape after Global Average Pooling of an (N, 512, 7, 7) feature map?",
        "options": {
            "a": "(N, 7, 7)",
            "b": "(N, 25088)",
            "c": "(N, 512)",
            "d": "(N, 512, 3, 3)",
        },
    },
    "i06": {
        "ko": "Q5'. 분류기 앞에서 Flatten + Dense 대신 Global Average Pooling을 쓰는 장점은?",
        "en": "Q5'. An advantage of Global Average Pooling over Flatten + Dense before the classifier?",
        "options": {
            "a": "파라미터가 없고 입력 크기에 무관하다 / no parameters, any input size",
            "b": "공간 정보를 모두 보존한다 / keeps all spatial information",
            "c": "학습 가능한 가중치가 더 많다 / more trainable weights",
            "d": "배치 크기를 줄여 준다 / reduces the batch size",
        },
    },
    "i07": {
        "ko": "Q6. 길이 n, 차원 d의 Self-Attention이 RNN보다 불리한 점은?",
        "en": "Q6. Where is self-attention (length n, width d) worse than an RNN?",
        "options": {
            "a": "n번의 순차 단계가 필요하다 / it needs n sequential steps",
            "b": "장거리 의존성을 포착하지 못한다 / it misses long-range dependencies",
            "c": "병렬화할 수 없다 / it cannot be parallelised",
            "d": "점수 행렬 때문에 연산량이 O(n²·d), 메모리가 O(n²)이다 / the score matrix costs "
                 "O(n²·d) compute and O(n²) memory",
        },
    },
    "i08": {
        "ko": "Q7. 데이터가 매우 적고 사전학습 도메인과 비슷할 때 알맞은 전략은?",
        "en": "Q7. Very little data, a domain close to the pre-training one: which strategy?",
        "options": {
            "a": "Feature Extraction: 백본을 동결하고 새 헤드만 학습 / freeze the backbone, train "
                 "only a new head",
            "b": "Full Fine-tuning: 전체를 높은 학습률로 재학습 / retrain everything at a high "
                 "learning rate",
            "c": "처음부터 학습 / train from scratch",
            "d": "임베딩 층만 학습 / train only the embedding layer",
        },
    },
    "i09": {
        "ko": "Q8. LR Finder 곡선(학습률을 키우며 측정한 손실)에서 고르는 학습률은?",
        "en": "Q8. Which learning rate do you pick from an LR-finder curve (loss vs growing lr)?",
        "options": {
            "a": "손실이 가장 낮은 지점의 학습률 / the lr with the lowest loss",
            "b": "시도한 것 중 가장 큰 학습률 / the largest lr tried",
            "c": "시도한 것 중 가장 작은 학습률 / the smallest lr tried",
            "d": "손실이 가장 가파르게 떨어지는 구간의 학습률 (최소점보다 앞) / where the loss falls "
                 "fastest, well before the minimum",
        },
    },
    "i10": {
        "ko": "Q9. FP32 가중치를 INT8로 양자화하면 모델 크기는 대략?",
        "en": "Q9. Quantizing FP32 weights to INT8 shrinks the model by about?",
        "options": {
            "a": "2배 / 2x",
            "b": "4배 / 4x",
            "c": "8배 / 8x",
            "d": "32배 / 32x",
        },
    },
    "i11": {
        "ko": "Q9'. 지식 증류에서 온도 T로 부드럽게 만든 손실에 T²를 곱하는 이유는?",
        "en": "Q9'. Why is the temperature-softened distillation term multiplied by T²?",
        "options": {
            "a": "손실을 양수로 만들기 위해 / to make the loss positive",
            "b": "교사의 분포를 더 날카롭게 하기 위해 / to sharpen the teacher",
            "c": "학습률을 T²배 키우기 위해 / to multiply the learning rate by T²",
            "d": "soft target의 기울기가 1/T²로 작아지므로, 정답 레이블 손실과 크기를 맞추기 위해 / "
                 "its gradients shrink as 1/T², so T² keeps them comparable to the hard-label term",
        },
    },
    "i12": {
        "ko": "Q10. 데이터 의존 if 문이 있는 모델을 TorchScript로 내보낼 때 맞는 설명은?",
        "en": "Q10. Exporting a model with a data-dependent `if` to TorchScript: which is true?",
        "options": {
            "a": "trace는 예시 입력이 지나간 분기만 기록하고, script는 두 분기를 모두 컴파일한다 / "
                 "trace records only the branch the example took; script compiles both",
            "b": "trace가 두 분기를 모두 기록한다 / trace records both branches",
            "c": "script는 예시 입력이 꼭 필요하다 / script needs an example input",
            "d": "둘 다 if 문을 지원하지 않는다 / neither supports `if`",
        },
    },
    "b1": {
        "ko": "BERT(Encoder)의 Attention 방향은?",
        "en": "The attention direction of BERT (an encoder)?",
        "options": {
            "a": "단방향 (왼쪽만) / left only (causal)",
            "b": "오른쪽만 / right only",
            "c": "양방향 (좌우 모두) / bidirectional (both sides)",
            "d": "어텐션을 쓰지 않는다 / no attention",
        },
    },
    "b2": {
        "ko": "GPT(Decoder)의 사전학습 목적은?",
        "en": "GPT's (a decoder's) pre-training objective?",
        "options": {
            "a": "CLM: 다음 토큰 예측 / next-token prediction",
            "b": "문장 쌍 분류만 / sentence-pair classification only",
            "c": "MLM: 가려진 토큰 맞히기 / masked-token prediction",
            "d": "이미지-텍스트 대조 학습 / image-text contrastive learning",
        },
    },
    "b3": {
        "ko": "길이 T인 GPT의 causal mask (T×T, True = 볼 수 있음)의 모양은?",
        "en": "GPT's causal mask for length T (T×T, True = may attend) looks like?",
        "options": {
            "a": "모두 True / all True",
            "b": "대각선을 포함한 아래 삼각 행렬 / lower triangle with the diagonal",
            "c": "단위 행렬 / the identity",
            "d": "대각선을 포함한 위 삼각 행렬 / upper triangle with the diagonal",
        },
    },
    "b4": {
        "ko": "BERT 계열이 잘하는 과제와 대표 모델은?",
        "en": "What BERT-style models do well, and which models are in that family?",
        "options": {
            "a": "음성 합성 — WaveNet / speech synthesis",
            "b": "긴 텍스트 생성 — GPT-2/3/4, ChatGPT / long text generation",
            "c": "이미지 생성 — GAN / image generation",
            "d": "분류·NER·QA — BERT, RoBERTa, ELECTRA / classification, NER, QA",
        },
    },
}


def show() -> str:
    """The quiz as text (both languages). / 퀴즈 전체를 문자열로."""
    lines = []
    for qid, q in QUESTIONS.items():
        lines.append(f"[{qid}] {q['ko']}\n      {q['en']}")
        lines += [f"   {letter}) {text}" for letter, text in q["options"].items()]
    return "\n".join(lines)


if __name__ == "__main__":  # before ANSWERS, so that the quiz prints while ANSWERS is a TODO
    print(show())

raise NotImplementedError("TODO(ch10.quiz.ANSWERS)")
