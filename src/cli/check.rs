//! `gasguard check`, `diff`, `baseline`, `import` and `comment`: reports in, a diff judged by the
//! policy, rendered, and (in GitHub Actions) the step summary, outputs, annotations and the
//! sticky comment. Decide, then report, then exit: the verdict comes back as data.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};

use super::base::{BaseRequest, choose_base, default_baseline, store_baseline};
use super::input::{config_paths, head_report, load_policy, load_report, project_policies};
use super::profile::{ProfileOverrides, profile_projects, report_json, require_config};
use super::{BaselineArgs, CheckArgs, CommentArgs, DiffArgs, ExitStatus, ImportArgs, OutputFormat};
use crate::core::base::BaseInfo;
use crate::core::diff::{DiffLabels, GasDiff, Status, Verdict, diff};
use crate::core::names::{MAX_DISPLAY_CHARS, Names};
use crate::core::render::{self, MarkdownOptions, TerminalOptions};
use crate::core::report::GasReport;
use crate::fsutil::write_atomic;
use crate::github::comment::{
    CommentOn, CommentOptions, CommentOutcome, comment_from_context, upsert_sticky_comment,
};
use crate::github::context::{ContextOverrides, GithubContext, GithubEvent};
use crate::github::workflow::{
    ActionOutputs, Annotation, AnnotationLevel, MAX_ANNOTATIONS_PER_LEVEL, append_step_summary,
    select_annotations, write_outputs,
};
use crate::github::{ClientOptions, GithubClient};
use crate::printer::Printer;

pub(super) fn check(args: CheckArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let env = |name: &str| std::env::var(name).ok();
    // Read the GitHub context first: a malformed event payload is an error before any work.
    let github = GithubContext::from_env(
        &env,
        &ContextOverrides {
            repo: args.github.repo.clone(),
            pr: args.pr,
            token_env: args.github.github_token_env.clone(),
        },
    )
    .context("failed to read the GitHub Actions context")?;

    // The policy is checked before profiling, so a typo in `[policy]` does not wait for a run.
    let policy = project_policies(&args.config, args.report.is_some(), "check")?;
    let config_paths = config_paths(&args.config);
    let config_path = config_paths[0].clone();
    // The base is found before profiling: a missing one is an error before any work.
    let chosen = choose_base(
        &BaseRequest {
            config_path: &config_path,
            baseline: args.baseline.as_deref(),
            base_ref: args.base_ref.as_deref(),
            store_branch: args.store_branch.as_deref(),
            if_no_baseline: args.if_no_baseline,
            several_projects: config_paths.len() > 1,
        },
        printer,
    )?;
    let overrides = ProfileOverrides {
        jobs: args.jobs,
        no_attribution: args.no_attribution,
        ..ProfileOverrides::default()
    };
    let head = head_report(args.report.as_deref(), &config_paths, &overrides, "check", printer)?;
    if let (Some(shard), Some(path)) = (&head.shard, &args.report) {
        bail!(
            "`{}` is shard {}/{} of a run, not the whole run: a check of it would miss the other shards' entries\n\nhint: merge the shards first: `gasguard merge SHARD… --out gas-report.json`, then check that",
            path.display(),
            shard.index,
            shard.count
        );
    }
    let head_name = match &args.report {
        Some(path) => format!("the report `{}`", path.display()),
        None => "this run".to_owned(),
    };
    require_measurements(&head, &head_name)?;
    if let Some(path) = &args.save_report {
        write_atomic(path, report_json(&head).as_bytes())?;
    }
    let labels = labels(
        &args.base_label,
        &args.head_label,
        &github,
        &base_name(chosen.info.as_ref()),
        chosen.info.as_ref().and_then(|info| info.commit.as_deref()),
        args.report.as_deref(),
    );
    let baseline_hint = chosen.hint.clone();
    let mut result = diff(&chosen.report, &head, &policy, labels);
    result.base = chosen.info.clone();
    if let Some(dir) = &args.flamegraph_dir {
        super::profile::write_flamegraphs(dir, &head, Some((&chosen.report, &result)), printer)?;
    }

    let markdown_options = MarkdownOptions {
        baseline_hint: baseline_hint.clone(),
        job_summary_url: github.report_run_url(),
        // The action uploads the folder as an artifact of this run.
        flamegraphs_url: args.flamegraph_dir.as_ref().and_then(|_| github.report_run_url()),
        html_report_url: args.link_html_report.then(|| github.report_run_url()).flatten(),
    };
    let markdown = render::markdown(&result, &markdown_options);
    emit(&result, args.format, args.out.as_deref(), &markdown, printer, baseline_hint.as_deref())?;
    let diff_path = match &args.diff_json {
        Some(path) => {
            write_atomic(path, render::json(&result).as_bytes())?;
            Some(path.display().to_string())
        }
        None => {
            args.out.as_ref().filter(|_| args.format == OutputFormat::Json).map(|p| p.display().to_string())
        }
    };

    // GitHub: summary, annotations, comment, outputs. None of these changes the verdict.
    if let Some(summary) = &github.step_summary
        && let Err(error) = append_step_summary(summary, &markdown)
    {
        printer.warn(&format!("could not write the job summary: {error:#}"));
    }
    for line in annotations(&result) {
        printer.workflow_command(&line);
    }
    let mut comment_url = None;
    if args.comment {
        let options = comment_options(&result, &github, &args.github.trusted_author, args.github.comment_on);
        let outcome = block_on(async {
            Ok(comment_from_context(&github, &markdown, &options, ClientOptions::default()).await?)
        });
        let outcome = match outcome {
            Ok(outcome) => report_comment(outcome, printer),
            Err(error) => Err(error.context("failed to comment on the pull request")),
        };
        match outcome {
            Ok(url) => comment_url = url,
            Err(error) if args.github.require_comment => return Err(error),
            Err(error) => printer.warn(&format!("{error:#}")),
        }
    }
    if let Some(output) = &github.output {
        let outputs = ActionOutputs {
            verdict: result.verdict.as_str().to_owned(),
            regressions: result.summary.regressions,
            improvements: result.summary.improvements,
            report_path: args.save_report.as_ref().or(args.report.as_ref()).map(|p| p.display().to_string()),
            diff_path,
            comment_url,
        };
        write_outputs(output, &outputs.entries()).context("failed to write the step outputs")?;
    }
    Ok(verdict_status(result.verdict, args.fail_on_regression()))
}

pub(super) fn diff_command(args: DiffArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let base = load_report(&args.base, None, printer)?;
    let head = load_report(&args.head, None, printer)?;
    require_measurements(&head, &format!("the head `{}`", args.head.display()))?;
    let policy = load_policy(args.config.as_deref(), true, "diff BASE HEAD")?;
    let labels = DiffLabels { base: args.base.display().to_string(), head: args.head.display().to_string() };
    let result = diff(&base, &head, &policy, labels);
    let markdown = render::markdown(&result, &MarkdownOptions::default());
    emit(&result, args.format, args.out.as_deref(), &markdown, printer, None)?;
    Ok(verdict_status(result.verdict, true))
}

pub(super) fn baseline(args: BaselineArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    for path in &args.config {
        require_config(path, "baseline")?;
    }
    let config = args.config.first().cloned().unwrap_or_else(|| PathBuf::from("gasguard.toml"));
    let overrides = ProfileOverrides {
        jobs: args.jobs,
        no_attribution: args.no_attribution,
        ..ProfileOverrides::default()
    };
    let report = profile_projects(&args.config, &overrides, printer)?;
    if let Some(dir) = &args.flamegraph_dir {
        super::profile::write_flamegraphs(dir, &report, None, printer)?;
    }
    let out = match (&args.out, args.store) {
        (Some(out), _) => Some(out.clone()),
        (None, false) => Some(default_baseline(&config)),
        (None, true) => None,
    };
    if let Some(out) = &out {
        write_atomic(out, report_json(&report).as_bytes())?;
        printer.status(&format!(
            "wrote the baseline `{}` ({} contracts, {} calls)",
            out.display(),
            report.contracts.len(),
            report.calls.len()
        ));
    }
    if args.store {
        store_baseline(&config, &report, args.store_branch.as_deref(), args.push.as_deref(), printer)?;
    }
    Ok(ExitStatus::Success)
}

pub(super) fn import_command(args: ImportArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut merged: Option<GasReport> = None;
    let format = args.input_format.as_deref().map(str::parse).transpose().map_err(|e| anyhow!("{e}"))?;
    for path in &args.files {
        let report = load_report(path, format, printer)?;
        merged = Some(match merged {
            None => report,
            Some(previous) => merge(previous, report, path)?,
        });
    }
    let report = merged.ok_or_else(|| anyhow!("nothing to import: name at least one file"))?;
    let json = report_json(&report);
    match &args.out {
        Some(path) => {
            write_atomic(path, json.as_bytes())?;
            printer.status(&format!("wrote `{}` ({} entries)", path.display(), report.entries().len()));
        }
        None => printer.data(&json),
    }
    Ok(ExitStatus::Success)
}

/// `gasguard comment`: posts a diff made by an unprivileged run (the fork-safe pattern).
pub(super) fn comment(args: CommentArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let env = |name: &str| std::env::var(name).ok();
    let github = GithubContext::from_env(
        &env,
        &ContextOverrides {
            repo: args.github.repo.clone(),
            pr: None,
            token_env: args.github.github_token_env.clone(),
        },
    )
    .context("failed to read the GitHub Actions context")?;
    let text = std::fs::read_to_string(&args.diff)
        .with_context(|| format!("failed to read `{}`", args.diff.display()))?;
    let result =
        render::from_json(&text).with_context(|| format!("invalid diff `{}`", args.diff.display()))?;
    let markdown = render::markdown(
        &result,
        &MarkdownOptions { job_summary_url: github.report_run_url(), ..MarkdownOptions::default() },
    );
    if let Some(summary) = &github.step_summary
        && let Err(error) = append_step_summary(summary, &markdown)
    {
        printer.warn(&format!("could not write the job summary: {error:#}"));
    }
    let options = comment_options(&result, &github, &args.github.trusted_author, args.github.comment_on);
    let outcome = block_on(async {
        let claim_text = std::fs::read_to_string(&args.pr_claim)
            .with_context(|| format!("failed to read `{}`", args.pr_claim.display()))?;
        let claim = crate::github::artifact::PullRequestClaim::from_json(&claim_text)
            .with_context(|| format!("refusing the pull-request claim `{}`", args.pr_claim.display()))?;
        if !matches!(github.event, GithubEvent::WorkflowRun(_)) {
            anyhow::bail!(
                "`gasguard comment` posts an artifact from another run and only runs in a `workflow_run` workflow\n\nhint: in a `pull_request` workflow use `gasguard check --comment`"
            );
        }
        let Some(token) = &github.token else {
            return Ok(CommentOutcome::Skipped {
                reason: crate::github::comment::SkipReason::NoToken { env: github.token_env.clone() },
            });
        };
        let repo = github.repository.clone().ok_or_else(|| anyhow!("`GITHUB_REPOSITORY` is not set"))?;
        let client = GithubClient::new(&github.api_url, token, ClientOptions::default())?;
        let verified = crate::github::artifact::verify_workflow_run_pull_request(&client, &github, &claim)
            .await
            .context("refusing to comment")?;
        Ok(upsert_sticky_comment(&client, &repo, verified.number, &markdown, &options).await?)
    })?;
    match report_comment(outcome, printer) {
        Ok(_) => Ok(ExitStatus::Success),
        Err(error) if args.github.require_comment => Err(error),
        Err(error) => {
            printer.warn(&format!("{error:#}"));
            Ok(ExitStatus::Success)
        }
    }
}

fn block_on<T>(future: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?
        .block_on(future)
}

/// Prints what happened to the comment; an outcome that is a warning comes back as `Err` so
/// `--require-comment` can make it fatal.
fn report_comment(outcome: CommentOutcome, printer: &Printer) -> anyhow::Result<Option<String>> {
    match outcome {
        CommentOutcome::Created { url, shortened } | CommentOutcome::Updated { url, shortened } => {
            printer.status(&format!("pull-request comment: {url}"));
            if shortened {
                printer.warn(
                    "the report is too long for a comment: posted a short comment linking the job summary",
                );
            }
            Ok(Some(url))
        }
        CommentOutcome::Unchanged { url } => {
            printer.status(&format!("pull-request comment unchanged: {url}"));
            Ok(Some(url))
        }
        CommentOutcome::Skipped { reason } if reason.is_warning() => {
            printer.workflow_command(&format!(
                "::warning title=gasguard::{}",
                crate::github::workflow::escape_data(&reason.to_string())
            ));
            Err(anyhow!("{reason}"))
        }
        CommentOutcome::Skipped { reason } => {
            printer.status(&reason.to_string());
            Ok(None)
        }
    }
}

/// Renders the diff in `format` to stdout (and to `--out`, atomically).
fn emit(
    result: &GasDiff,
    format: OutputFormat,
    out: Option<&Path>,
    markdown: &str,
    printer: &Printer,
    baseline_hint: Option<&str>,
) -> anyhow::Result<()> {
    let rendered = |color: bool| match format {
        OutputFormat::Markdown => markdown.to_owned(),
        OutputFormat::Json => render::json(result),
        OutputFormat::Terminal => {
            let mut text = render::terminal(result, &TerminalOptions { color, snapshot_diff: true });
            if let Some(hint) = baseline_hint {
                // The backticks stay: they delimit the command to copy.
                text.push_str(&format!("\nhint: {hint}\n"));
            }
            text
        }
    };
    let plain = rendered(false);
    if let Some(path) = out {
        write_atomic(path, plain.as_bytes())?;
    }
    // Only the terminal format has colour to add.
    let colored = format == OutputFormat::Terminal && printer.color_stdout;
    printer.data(if colored { rendered(true) } else { plain }.as_str());
    Ok(())
}

fn verdict_status(verdict: Verdict, fail_on_regression: bool) -> ExitStatus {
    match verdict {
        Verdict::Fail if fail_on_regression => ExitStatus::Failure,
        _ => ExitStatus::Success,
    }
}

fn comment_options(
    result: &GasDiff,
    github: &GithubContext,
    trusted_author: &str,
    comment_on: CommentOn,
) -> CommentOptions {
    CommentOptions {
        trusted_author: trusted_author.to_owned(),
        comment_on,
        has_changes: result.summary.has_changes(),
        failed: result.verdict == Verdict::Fail,
        job_summary_url: github.report_run_url(),
        summary_line: Some(summary_line(result)),
    }
}

/// `**Verdict: fail** (3 regressions, 1 improvement)`, for the short comment.
fn summary_line(result: &GasDiff) -> String {
    let summary = &result.summary;
    format!(
        "**Verdict: {}** ({} regressions, {} improvements, {} added, {} removed)",
        result.verdict.as_str(),
        summary.regressions,
        summary.improvements,
        summary.added,
        summary.removed
    )
}

/// Workflow commands for the policy failures (errors) and other regressions (warnings), largest
/// first, at most ten of each as GitHub shows no more.
fn annotations(result: &GasDiff) -> Vec<String> {
    // Named as the comment names them; the full id is in the job summary's table.
    let names = Names::new(result.entries.iter().map(|entry| entry.id.as_str()));
    let mut list = Vec::new();
    for entry in &result.entries {
        if entry.status != Status::Regression && !entry.failed {
            continue;
        }
        let delta = entry.delta.unwrap_or(0).max(0) as u64;
        let change = match (entry.delta, entry.delta_pct) {
            (Some(delta), Some(pct)) => format!("{delta:+} gas ({pct:+.2}%)"),
            (Some(delta), None) => format!("{delta:+}"),
            _ => "over a limit".to_owned(),
        };
        let rule = entry.rule.as_deref().map(|rule| format!(", judged by {rule}")).unwrap_or_default();
        list.push(Annotation {
            level: if entry.failed { AnnotationLevel::Error } else { AnnotationLevel::Warning },
            title: Some(if entry.failed { "gas regression" } else { "gas increase" }.to_owned()),
            file: None,
            line: None,
            message: format!(
                "{}: {change}{rule}",
                render::sanitize(&names.get(&entry.id).shown(MAX_DISPLAY_CHARS), render::MAX_NAME_CHARS)
            ),
            priority: delta,
        });
    }
    let selection = select_annotations(list, MAX_ANNOTATIONS_PER_LEVEL);
    let mut lines: Vec<String> = selection.kept.iter().map(Annotation::to_command).collect();
    for (level, count) in selection.omitted {
        lines.push(
            Annotation {
                level: AnnotationLevel::Notice,
                title: Some("gasguard".into()),
                file: None,
                line: None,
                message: format!("{count} more {level:?} annotations omitted; see the job summary"),
                priority: 0,
            }
            .to_command(),
        );
    }
    lines
}

/// What the base is called when nothing better is known: the baseline file, or where the
/// stored report came from.
pub(super) fn base_name(info: Option<&BaseInfo>) -> String {
    match info {
        Some(BaseInfo { path: Some(path), .. }) => path.clone(),
        Some(BaseInfo { commit: Some(commit), source, .. }) => {
            format!("{} ({})", &commit[..commit.len().min(7)], source.as_str())
        }
        _ => "no baseline".to_owned(),
    }
}

fn labels(
    base: &Option<String>,
    head: &Option<String>,
    github: &GithubContext,
    base_name: &str,
    base_commit: Option<&str>,
    report: Option<&Path>,
) -> DiffLabels {
    let (event_base, event_head) = match &github.event {
        GithubEvent::PullRequest(pr) => (
            // The event's base commit is the base branch's tip, not the merge base: only named
            // when the base is a file.
            base_commit.is_none().then(|| format!("{} ({base_name})", pr.base_sha.short())),
            Some(pr.head_sha.short().to_owned()),
        ),
        _ => (None, None),
    };
    DiffLabels {
        base: base.clone().or(event_base).unwrap_or_else(|| base_name.to_owned()),
        head: head
            .clone()
            .or(event_head)
            .unwrap_or_else(|| report.map_or_else(|| "this run".to_owned(), |p| p.display().to_string())),
    }
}

/// A head without a single measurement compares as "everything removed", which passes: refuse
/// it instead, since it means the run or the file is not what it seems.
pub(super) fn require_measurements(head: &GasReport, name: &str) -> anyhow::Result<()> {
    if head.entries().is_empty() {
        anyhow::bail!(
            "{name} holds no measurements: there is nothing to compare with the baseline\n\nhint: a check needs a head with at least one entry; check that the report is the right file, or that the config's scenarios run"
        );
    }
    Ok(())
}

/// Combines two imported reports, refusing an id that both define.
fn merge(mut into: GasReport, other: GasReport, path: &Path) -> anyhow::Result<GasReport> {
    let existing = into.entries();
    if let Some(id) = other.entries().keys().find(|id| existing.contains_key(*id)) {
        anyhow::bail!("`{}` defines `{id}` again (an earlier file already did)", path.display());
    }
    into.contracts.extend(other.contracts);
    into.tests.extend(other.tests);
    into.sections.extend(other.sections);
    into.calls.extend(other.calls);
    Ok(into)
}

impl CheckArgs {
    fn fail_on_regression(&self) -> bool {
        !self.no_fail_on_regression
    }
}
