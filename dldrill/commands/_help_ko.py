# ruff: noqa: E501  (each entry keeps its English key whole, so that it matches the help text)
"""Korean for every help text of `dldrill --help` (the default language is Korean).

`KO[english] = korean`. `dldrill.cli` looks every command's and option's help up here when the
language is ko; `tests/test_cli_help.py` fails when an option's help has no Korean here, so a
new option gets its translation in the same change. argparse's own words (usage, headings,
errors) are translated in `dldrill.cli`.
"""

KO = {
    "1 a nudge, 2 the approach, 3 a near-solution sketch (default: one level above the last one shown, starting at 1)":
        "1 실마리, 2 접근법, 3 거의 답에 가까운 스케치 (기본: 지난번에 본 것보다 한 단계 위, 1부터)",
    "a base URL tried first for every file (URL/<file name>)":
        "모든 파일을 먼저 받아 볼 기본 URL (URL/<파일 이름>)",
    "a chapter (ch04) or an exercise (ch04.conv2d_naive); default: the first exercise not passed yet":
        "장(ch04) 또는 연습문제(ch04.conv2d_naive); 기본: 아직 통과하지 못한 첫 연습문제",
    "after dldrill grade: the checks failed most, common mistakes, look-alike submissions":
        "dldrill grade 다음에: 가장 많이 실패한 검사, 흔한 실수, 서로 닮은 제출물",
    "after you pass an exercise: show the reference solution and a diff against yours":
        "연습문제를 통과한 뒤: 참고 답안과 내 코드와의 차이(diff)를 보여 줍니다",
    "also list every exercise: ✓ passed (and when), hint level used":
        "연습문제마다 함께 보여 줍니다: ✓ 통과(와 그 시각), 사용한 힌트 단계",
    "also write DIR-gradescope/: setup.sh, run_autograder and the kit with its graders, to upload to Gradescope (never for learners)":
        "DIR-gradescope/도 씁니다: Gradescope에 올릴 setup.sh, run_autograder, 채점기가 든 키트 (학습자에게 주지 마세요)",
    "also write the JSON report to FILE": "JSON 보고서를 FILE에도 씁니다",
    "also write the report as one self-contained HTML page to FILE":
        "보고서를 FILE에 독립된 HTML 한 페이지로도 씁니다",
    "an empty or new folder, or one an earlier release wrote (then updated)":
        "비어 있거나 새 폴더, 또는 이전 release가 만든 폴더 (그러면 갱신)",
    "ch04 (also ch4, 4), one or more": "ch04 (ch4, 4도 됨), 하나 이상",
    "chNN.function or chNN.module.function, e.g. ch04.conv2d_naive":
        "chNN.함수 또는 chNN.모듈.함수, 예: ch04.conv2d_naive",
    "chNN.function or chNN.module.function, e.g. ch04.conv2d_naive (default: the exercise `dldrill next` names)":
        "chNN.함수 또는 chNN.모듈.함수, 예: ch04.conv2d_naive (기본: `dldrill next`가 알려 주는 연습문제)",
    "check the files' modification times instead of file events (network or virtual-machine folders); also DLDRILL_WATCH=poll":
        "파일 이벤트 대신 수정 시각을 확인합니다 (네트워크·가상 머신 폴더); DLDRILL_WATCH=poll도 같음",
    "declare your GitHub portfolio project (stored in exercises/portfolio.txt)":
        "GitHub 포트폴리오 프로젝트를 등록합니다 (exercises/portfolio.txt에 저장)",
    "download and verify data sets into the cache": "데이터셋을 캐시에 내려받고 검사합니다",
    "each data set: cached or not, its folder and size": "데이터셋마다: 캐시에 있는지, 폴더와 크기",
    "fail if stubs differ; change nothing": "스텁이 다르면 실패; 아무것도 바꾸지 않음",
    "feedback.md: expected/got/hint of hidden checks (full) or one-line reasons":
        "feedback.md: 숨은 검사의 기대값/실제값/힌트(full) 또는 한 줄 이유(reason)",
    "flag two submissions whose code is at least this similar (0-1; 0.8)":
        "코드가 이만큼 이상 비슷한 두 제출물을 표시합니다 (0–1; 0.8)",
    "folder for <chapter>.ipynb (default: notebooks); an existing notebook is never overwritten":
        "<장>.ipynb를 둘 폴더 (기본: notebooks); 이미 있는 노트북은 절대 덮어쓰지 않음",
    "folder like exercises/ or a repository root (default: exercises/)":
        "exercises/ 같은 폴더 또는 저장소 루트 (기본: exercises/)",
    "folders like exercises/, repository roots, .zip files of either, or notebooks from dldrill notebook (or folders of them)":
        "exercises/ 같은 폴더, 저장소 루트, 그 .zip 파일, dldrill notebook으로 만든 노트북(또는 그 폴더)",
    "generate exercises/ stubs from solutions/ (for kit contributors)":
        "solutions/에서 exercises/ 스텁을 만듭니다 (키트 기여자용)",
    "grade /autograder/submission into /autograder/results/results.json (Gradescope; the root moves with DLDRILL_AUTOGRADER_ROOT)":
        "/autograder/submission을 채점해 /autograder/results/results.json에 씁니다 (Gradescope; 루트는 DLDRILL_AUTOGRADER_ROOT로 바꿈)",
    "grade again even when nothing changed": "바뀐 것이 없어도 다시 채점합니다",
    "grade many submissions into a gradebook (for instructors)":
        "여러 제출물을 채점해 성적부를 만듭니다 (강사용)",
    "grade only the graders matching this pytest -k expression":
        "이 pytest -k 식에 맞는 채점기만 돌립니다",
    "grade only the graders matching this pytest -k expression (e.g. 'test_perceptron and predict')":
        "이 pytest -k 식에 맞는 채점기만 돌립니다 (예: 'test_perceptron and predict')",
    "grade only these chapters": "이 장들만 채점합니다",
    "grade your exercises and show the completion checklist":
        "내 연습문제를 채점하고 완료 체크리스트를 보여 줍니다",
    "keep the graders (and a packed answer key) so that `dldrill report` works":
        "채점기(와 압축된 정답)를 함께 넣어 `dldrill report`가 동작하게 합니다",
    "language of messages: ko (default, or DLDRILL_LANG) or en":
        "메시지 언어: ko (기본, 또는 DLDRILL_LANG) 또는 en",
    "list the common mistakes the graders catch (the mutant samples; for kit contributors)":
        "채점기가 잡아내는 흔한 실수 목록 (뮤턴트 샘플; 키트 기여자용)",
    "list unchanged stubs too": "바뀌지 않은 스텁도 보여 줍니다",
    "look only in this chapter (ch04, ch4 or 4); default: all, in order":
        "이 장에서만 찾습니다 (ch04, ch4, 4); 기본: 모든 장을 순서대로",
    "mnist, cifar10, nsmc or all": "mnist, cifar10, nsmc 또는 all",
    "name the next exercise to write and the command that runs its visible tests":
        "다음에 풀 연습문제와 그 공개 테스트를 돌리는 명령을 알려 줍니다",
    "only mistakes whose name or description contains TEXT (e.g. dropout)":
        "이름이나 설명에 TEXT가 들어간 실수만 (예: dropout)",
    "only these chapters (ch08 or ch08,ch09); all by default":
        "이 장들만 (ch08 또는 ch08,ch09); 기본은 전부",
    "only these chapters or modules (ch09, ch09.plots); all by default":
        "이 장이나 모듈만 (ch09, ch09.plots); 기본은 전부",
    "print the cache folder (DLDRILL_DATA)": "캐시 폴더를 출력합니다 (DLDRILL_DATA)",
    "print the report as JSON": "보고서를 JSON으로 출력합니다",
    "print the version and exit": "버전을 출력하고 끝냅니다",
    "re-run the current exercise's visible tests each time you save (Enter mode as fallback)":
        "저장할 때마다 지금 연습문제의 공개 테스트를 다시 돌립니다 (안 되면 Enter 모드)",
    "release only these chapters (default: every chapter with graders)":
        "이 장들만 배포합니다 (기본: 채점기가 있는 모든 장)",
    "restore one exercise's stub (the rest of the file is kept), after backing up your file":
        "내 파일을 백업한 뒤 연습문제 하나의 스텁을 되돌립니다 (파일의 나머지는 그대로)",
    "run the submission in this process (no sandbox; for debugging)":
        "제출물을 이 프로세스에서 실행합니다 (샌드박스 없음; 디버깅용)",
    "run the tests each time you press Enter (no file watching); also DLDRILL_WATCH=enter":
        "Enter를 누를 때마다 테스트를 돌립니다 (파일 감시 없음); DLDRILL_WATCH=enter도 같음",
    "seconds to wait for a connection or for more bytes (10)":
        "연결이나 다음 바이트를 기다리는 초 (10)",
    "show a hint for one exercise (level 1 nudge, 2 approach, 3 sketch; next level by default)":
        "연습문제 하나의 힌트를 보여 줍니다 (1 실마리, 2 접근법, 3 스케치; 기본은 다음 단계)",
    "show every failed check in full (default: the first two per module)":
        "실패한 검사를 모두 자세히 보여 줍니다 (기본: 모듈마다 처음 두 개)",
    "show only this chapter (ch04, ch4 or 4)": "이 장만 보여 줍니다 (ch04, ch4, 4)",
    "show per-chapter progress bars (passed exercises / all), and hint use":
        "장별 진행 막대(통과한 연습문제 / 전체)와 힌트 사용을 보여 줍니다",
    "show this help message and exit": "이 도움말을 보여 주고 끝냅니다",
    "start every grading process afresh instead of forking it from one that has imported pytest, NumPy and torch once":
        "pytest·NumPy·torch를 한 번 불러온 프로세스에서 fork하지 않고 채점 프로세스를 매번 새로 시작합니다",
    "stop after N test runs (for scripts; default: until Ctrl+C)":
        "테스트를 N번 돌린 뒤 멈춥니다 (스크립트용; 기본: Ctrl+C까지)",
    "submissions graded at once": "동시에 채점할 제출물 수",
    "the --out folder of a dldrill grade batch": "dldrill grade 일괄 채점의 --out 폴더",
    "the Dask scheduler for --executor dask, e.g. tcp://10.0.0.5:8786":
        "--executor dask가 쓸 Dask 스케줄러, 예: tcp://10.0.0.5:8786",
    "the data cache: fetch MNIST, CIFAR-10, NSMC; list; path":
        "데이터 캐시: MNIST·CIFAR-10·NSMC 받기(fetch), 목록(list), 경로(path)",
    "wall-clock seconds per submission before its grading is killed (1800)":
        "제출물 하나의 채점을 끝내기 전까지의 실제 시간(초) (1800)",
    "where PyTorch code runs: cpu, cuda or auto (default auto)":
        "PyTorch 코드를 돌릴 장치: cpu, cuda, auto (기본 auto)",
    "where class_report.html and class_report.csv go (default: DIR)":
        "class_report.html과 class_report.csv를 둘 곳 (기본: DIR)",
    "where gradebook.sqlite, gradebook.csv and <id>/ folders go (required unless --gradescope)":
        "gradebook.sqlite, gradebook.csv, <id>/ 폴더를 둘 곳 (--gradescope가 아니면 필수)",
    "where grading processes run: here (local) or on the workers of a Dask cluster (dask, with --scheduler); the gradebook stays here either way":
        "채점 프로세스를 돌릴 곳: 여기(local) 또는 Dask 클러스터의 워커(dask, --scheduler와 함께); 성적부는 어느 쪽이든 여기에 남음",
    "write a chapter's Jupyter notebook: explanation, tagged exercise cells, test cells":
        "장 하나의 Jupyter 노트북을 씁니다: 설명, 태그 달린 연습문제 셀, 테스트 셀",
    "write the learner's repository: exercises, no solutions (for instructors)":
        "학습자용 저장소를 씁니다: 연습문제, 답안 없음 (강사용)",
}

# argparse's own words, by the English text Python 3.11's argparse passes through gettext.
ARGPARSE_KO = {
    "usage: ": "사용법: ",
    "positional arguments": "위치 인자",
    "options": "옵션",
    "the following arguments are required: %s": "필요한 인자가 없습니다: %s",
    "unrecognized arguments: %s": "알 수 없는 인자: %s",
    "expected one argument": "값이 하나 필요합니다",
    "expected at least one argument": "값이 하나 이상 필요합니다",
    "argument %(argument_name)s: %(message)s": "인자 %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "잘못된 선택: %(value)r (다음 중 하나: %(choices)s)",
    "invalid %(type)s value: %(value)r": "잘못된 %(type)s 값: %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s: 오류: %(message)s\n",
    "show program's version number and exit": "버전을 출력하고 끝냅니다",
}
