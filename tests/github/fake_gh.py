"""A stand-in for the GitHub CLI (`gh`), put first on PATH by the workflow tests.

It records every call and answers from a small JSON state file, for the commands the example workflows
use (anything else exits 1 with "unsupported", so a workflow using more of gh fails its test):

- `gh api [--method M] ENDPOINT [--paginate] [--jq EXPR] [-f k=v] [-F k=v|k=@file] [--silent]` for
  `repos/O/R/issues/N/comments` (GET, POST), `repos/O/R/issues/comments/ID` (PATCH),
  `repos/O/R/commits/SHA/pulls` (GET: the merged pull requests of `merged_pulls` in the state) and
  `repos/O/R/actions/artifacts?name=NAME` (GET, from the artifact store);
- `gh pr comment N --body-file F|--body B`;
- `gh run download RUN_ID --name NAME --dir DIR`, from the artifact store (`tests/github/artifacts.py`,
  directory in FAKE_GH_ARTIFACTS), where the local runner's `actions/upload-artifact` put them;
- `gh issue list|view|create|edit|comment|close` and `gh label create`, with `--json`/`--jq`.

Like the real gh on a runner it needs GH_TOKEN (or GITHUB_TOKEN) and the repository from `--repo` or
GH_REPO. `--jq` is run by the `jq` program (gh's own filter language is jq's).

The state file (written by `GhState` in tests):
  {"repo": "o/r", "pull_requests": [7], "comments": [{id, issue, body, user: {login, type}}],
   "issues": [{number, title, body, state, state_reason, labels: [..], comments: [..]}],
   "labels": ["bug"], "next_id": 1000, "next_number": 100,
   "merged_pulls": {"<merge commit sha>": [{number, merged_at, merge_commit_sha, head: {sha, ref}}]}}
The log file gets one JSON line per call: argv, repo, token_set, files (path -> text read from --body-file
or -F k=@file), stdin (when `-` was given as a file), exit code.

Run as `python fake_gh.py ARGS...` with FAKE_GH_STATE and FAKE_GH_LOG set (the test writes a `gh` wrapper
that does that).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: find tests.github
from tests.github.artifacts import ArtifactStore

BOT = {"login": "github-actions[bot]", "type": "Bot"}


class GhError(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise GhError(f"unknown or bad arguments: {message}")


class Call:
    """One invocation: reads the state, collects what was read from files, writes the log line."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.state_path = Path(os.environ["FAKE_GH_STATE"])
        self.log_path = Path(os.environ["FAKE_GH_LOG"])
        self.state: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        self.files: dict[str, str] = {}
        self.stdin: str | None = None
        self.repo: str | None = None
        self.out: list[str] = []

    def read_file(self, name: str) -> str:
        if name == "-":
            self.stdin = sys.stdin.read()
            return self.stdin
        text = Path(name).read_text(encoding="utf-8")
        self.files[name] = text
        return text

    def body(self, args: argparse.Namespace) -> str | None:
        if getattr(args, "body_file", None) is not None:
            return self.read_file(args.body_file)
        return getattr(args, "body", None)

    def next_id(self) -> int:
        self.state["next_id"] = self.state.get("next_id", 1000) + 1
        return int(self.state["next_id"])

    def next_number(self) -> int:
        self.state["next_number"] = self.state.get("next_number", 100) + 1
        return int(self.state["next_number"])

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=2), encoding="utf-8")

    def log(self, code: int) -> None:
        record = {
            "argv": self.argv,
            "repo": self.repo,
            "token_set": bool(os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")),
            "files": self.files,
            "stdin": self.stdin,
            "exit": code,
        }
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")


def _jq(data: Any, expression: str) -> str:
    jq = shutil.which("jq")
    if jq is None:
        raise GhError("the gh stand-in needs the jq program for --jq")
    result = subprocess.run(
        [jq, "-r", expression], input=json.dumps(data), capture_output=True, text=True, timeout=20, check=False
    )
    if result.returncode != 0:
        raise GhError(f"jq failed: {result.stderr.strip()}")
    return result.stdout


def _emit(call: Call, data: Any, jq: str | None) -> None:
    call.out.append(_jq(data, jq) if jq else json.dumps(data, indent=2) + "\n")


def _repo(call: Call, explicit: str | None) -> str:
    repo = explicit or os.environ.get("GH_REPO")
    if not repo:
        raise GhError("no repository: pass --repo or set GH_REPO (there is no git remote here)")
    if repo != call.state["repo"]:
        raise GhError(f"HTTP 404: Not Found (repository {repo})")
    call.repo = repo
    return repo


def _issue(call: Call, number: str) -> dict[str, Any]:
    for issue in call.state["issues"]:
        if str(issue["number"]) == str(number):
            found: dict[str, Any] = issue
            return found
    raise GhError(f"GraphQL: Could not resolve to an issue with the number of {number}.")


def _comment_json(comment: dict[str, Any], repo: str) -> dict[str, Any]:
    return {
        "id": comment["id"],
        "body": comment["body"],
        "user": comment["user"],
        "html_url": f"https://github.com/{repo}/issues/{comment['issue']}#issuecomment-{comment['id']}",
    }


def _fields(call: Call, raw: list[str], typed: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for item in raw:
        key, _, value = item.partition("=")
        fields[key] = value
    for item in typed:
        key, _, value = item.partition("=")
        fields[key] = call.read_file(value[1:]) if value.startswith("@") else value
    return fields


def cmd_api(call: Call, argv: list[str]) -> None:
    parser = _ArgumentParser(prog="gh api")
    parser.add_argument("endpoint")
    parser.add_argument("-X", "--method")
    parser.add_argument("--paginate", action="store_true")
    parser.add_argument("-q", "--jq")
    parser.add_argument("-f", "--raw-field", action="append", default=[])
    parser.add_argument("-F", "--field", action="append", default=[])
    parser.add_argument("--silent", action="store_true")
    args = parser.parse_args(argv)
    fields = _fields(call, args.raw_field, args.field)
    method = (args.method or ("POST" if fields else "GET")).upper()

    if method == "GET" and _api_read(call, args.endpoint, args.jq):
        return
    listing = re.fullmatch(r"repos/([^/]+/[^/]+)/issues/(\d+)/comments", args.endpoint)
    single = re.fullmatch(r"repos/([^/]+/[^/]+)/issues/comments/(\d+)", args.endpoint)
    if listing:
        repo, number = listing.group(1), int(listing.group(2))
        _repo(call, repo)
        if method == "GET":
            comments = [_comment_json(c, repo) for c in call.state["comments"] if c["issue"] == number]
            if not args.silent:
                _emit(call, comments, args.jq)
            return
        if method == "POST":
            comment = {"id": call.next_id(), "issue": number, "body": fields["body"], "user": BOT}
            call.state["comments"].append(comment)
            call.save()
            if not args.silent:
                _emit(call, _comment_json(comment, repo), args.jq)
            return
    if single and method == "PATCH":
        repo, comment_id = single.group(1), int(single.group(2))
        _repo(call, repo)
        for comment in call.state["comments"]:
            if comment["id"] == comment_id:
                if comment["user"]["type"] != "Bot":
                    raise GhError("HTTP 403: this stand-in refuses to edit a person's comment")
                comment["body"] = fields["body"]
                call.save()
                if not args.silent:
                    _emit(call, _comment_json(comment, repo), args.jq)
                return
        raise GhError("HTTP 404: Not Found")
    raise GhError(f"unsupported by the gh stand-in: {method} {args.endpoint}")


def _api_read(call: Call, endpoint: str, jq: str | None) -> bool:
    """The read-only endpoints the apply workflow uses to find the plan reviewed on a pull request."""
    pulls = re.fullmatch(r"repos/([^/]+/[^/]+)/commits/([0-9a-f]+)/pulls", endpoint)
    artifacts = re.fullmatch(r"repos/([^/]+/[^/]+)/actions/artifacts\?name=([\w.-]+)", endpoint)
    if pulls:
        _repo(call, pulls.group(1))
        _emit(call, call.state.get("merged_pulls", {}).get(pulls.group(2), []), jq)
        return True
    if artifacts:
        _repo(call, artifacts.group(1))
        found = [a for a in _artifacts().artifacts() if a["name"] == artifacts.group(2)]
        _emit(call, {"total_count": len(found), "artifacts": found}, jq)
        return True
    return False


def _artifacts() -> ArtifactStore:
    return ArtifactStore(Path(os.environ["FAKE_GH_ARTIFACTS"]))


def _subcommand(argv: list[str], group: str, only: str) -> _ArgumentParser:
    """The parser of `gh GROUP ONLY` (the one subcommand of GROUP the stand-in knows), with --repo."""
    if not argv or argv[0] != only:
        raise GhError(f"unsupported by the gh stand-in: gh {group} {' '.join(argv[:1])}")
    parser = _ArgumentParser(prog=f"gh {group} {only}")
    parser.add_argument("-R", "--repo")
    return parser


def cmd_run(call: Call, argv: list[str]) -> None:
    parser = _subcommand(argv, "run", "download")
    parser.add_argument("run_id")
    parser.add_argument("-n", "--name", required=True)
    parser.add_argument("-D", "--dir", default=".")
    args = parser.parse_args(argv[1:])
    _repo(call, args.repo)
    store = _artifacts()
    for artifact in store.artifacts():
        if (artifact["name"], str(artifact["workflow_run"]["id"])) == (args.name, args.run_id):
            if artifact["expired"]:
                break
            target = Path(args.dir)
            target.mkdir(parents=True, exist_ok=True)
            for file in store.files(artifact):
                shutil.copy(file, target / file.name)
            return
    raise GhError("no valid artifacts found to download")


def cmd_pr(call: Call, argv: list[str]) -> None:
    parser = _subcommand(argv, "pr", "comment")
    parser.add_argument("number")
    parser.add_argument("-b", "--body")
    parser.add_argument("-F", "--body-file")
    args = parser.parse_args(argv[1:])
    repo = _repo(call, args.repo)
    if int(args.number) not in call.state["pull_requests"]:
        raise GhError(f"GraphQL: Could not resolve to a PullRequest with the number of {args.number}.")
    body = call.body(args)
    if not body:
        raise GhError("body cannot be blank")
    comment = {"id": call.next_id(), "issue": int(args.number), "body": body, "user": BOT}
    call.state["comments"].append(comment)
    call.save()
    call.out.append(_comment_json(comment, repo)["html_url"] + "\n")


def _issue_json(issue: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    full = {
        "number": issue["number"],
        "title": issue["title"],
        "body": issue["body"],
        "state": issue["state"].upper(),
        "labels": [{"name": name} for name in issue["labels"]],
        "comments": [{"body": body} for body in issue["comments"]],
    }
    unknown = [name for name in fields if name not in full]
    if unknown:
        raise GhError(f"Unknown JSON field: {unknown[0]!r}")
    return {name: full[name] for name in fields}


def cmd_issue(call: Call, argv: list[str]) -> None:
    if not argv:
        raise GhError("gh issue: missing subcommand")
    sub, rest = argv[0], argv[1:]
    parser = _ArgumentParser(prog=f"gh issue {sub}")
    parser.add_argument("-R", "--repo")
    if sub == "list":
        parser.add_argument("-l", "--label", action="append", default=[])
        parser.add_argument("-s", "--state", default="open", choices=["open", "closed", "all"])
        parser.add_argument("-L", "--limit", type=int, default=30)
        parser.add_argument("--json")
        parser.add_argument("-q", "--jq")
        args = parser.parse_args(rest)
        _repo(call, args.repo)
        found = [
            issue
            for issue in sorted(call.state["issues"], key=lambda i: -int(i["number"]))
            if (args.state == "all" or issue["state"] == args.state)
            and all(label in issue["labels"] for label in args.label)
        ][: args.limit]
        if args.json:
            _emit(call, [_issue_json(issue, args.json.split(",")) for issue in found], args.jq)
        else:
            call.out.extend(f"{i['number']}\t{i['state'].upper()}\t{i['title']}\n" for i in found)
        return
    if sub == "view":
        parser.add_argument("number")
        parser.add_argument("--json", required=True)
        parser.add_argument("-q", "--jq")
        args = parser.parse_args(rest)
        _repo(call, args.repo)
        _emit(call, _issue_json(_issue(call, args.number), args.json.split(",")), args.jq)
        return
    if sub == "create":
        parser.add_argument("-t", "--title", required=True)
        parser.add_argument("-b", "--body")
        parser.add_argument("-F", "--body-file")
        parser.add_argument("-l", "--label", action="append", default=[])
        args = parser.parse_args(rest)
        repo = _repo(call, args.repo)
        labels = [name for value in args.label for name in value.split(",") if name]
        missing = [name for name in labels if name not in call.state["labels"]]
        if missing:
            raise GhError(f"could not add label: '{missing[0]}' not found")
        number = call.next_number()
        call.state["issues"].append(
            {"number": number, "title": args.title, "body": call.body(args) or "", "state": "open",
             "state_reason": None,
             "labels": labels, "comments": []}
        )
        call.save()
        call.out.append(f"https://github.com/{repo}/issues/{number}\n")
        return
    parser.add_argument("number")
    if sub == "edit":
        parser.add_argument("-t", "--title")
        parser.add_argument("-b", "--body")
        parser.add_argument("-F", "--body-file")
        args = parser.parse_args(rest)
        repo = _repo(call, args.repo)
        issue = _issue(call, args.number)
        body = call.body(args)
        if body is not None:
            issue["body"] = body
        if args.title is not None:
            issue["title"] = args.title
        call.save()
        call.out.append(f"https://github.com/{repo}/issues/{issue['number']}\n")
        return
    if sub == "comment":
        parser.add_argument("-b", "--body")
        parser.add_argument("-F", "--body-file")
        args = parser.parse_args(rest)
        repo = _repo(call, args.repo)
        issue = _issue(call, args.number)
        body = call.body(args)
        if not body:
            raise GhError("body cannot be blank")
        issue["comments"].append(body)
        call.save()
        call.out.append(f"https://github.com/{repo}/issues/{issue['number']}#issuecomment-{call.next_id()}\n")
        return
    if sub == "close":
        parser.add_argument("-r", "--reason", choices=["completed", "not planned"])
        parser.add_argument("-c", "--comment")
        args = parser.parse_args(rest)
        _repo(call, args.repo)
        issue = _issue(call, args.number)
        if args.comment:
            issue["comments"].append(args.comment)
        issue["state"], issue["state_reason"] = "closed", args.reason or "completed"
        call.save()
        return
    raise GhError(f"unsupported by the gh stand-in: gh issue {sub}")


def cmd_label(call: Call, argv: list[str]) -> None:
    parser = _subcommand(argv, "label", "create")
    parser.add_argument("name")
    parser.add_argument("-c", "--color")
    parser.add_argument("-d", "--description")
    parser.add_argument("-f", "--force", action="store_true")
    args = parser.parse_args(argv[1:])
    _repo(call, args.repo)
    if args.name in call.state["labels"] and not args.force:
        raise GhError(f"label with name \"{args.name}\" already exists; use `--force` to update its color and description")
    if args.name not in call.state["labels"]:
        call.state["labels"].append(args.name)
    call.save()


COMMANDS = {"api": cmd_api, "pr": cmd_pr, "issue": cmd_issue, "label": cmd_label, "run": cmd_run}


def main(argv: list[str]) -> int:
    call = Call(argv)
    code = 0
    try:
        if not (os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")):
            raise GhError(
                "gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable.", 4
            )
        if not argv or argv[0] not in COMMANDS:
            raise GhError(f"unsupported by the gh stand-in: gh {' '.join(argv[:1])}")
        COMMANDS[argv[0]](call, argv[1:])
        sys.stdout.write("".join(call.out))
    except GhError as error:
        sys.stderr.write(f"{error}\n")
        code = error.code
    call.log(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
