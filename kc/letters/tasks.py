"""Background tasks of letters and the print room: load by id, call one service."""

from django.tasks import task

from kc.letters import printroom


@task()
def assemble_print_batches() -> int:
    return len(printroom.assemble_batches())


@task()
def build_print_batch(batch_id: int) -> str:
    return printroom.build_batch(batch_id).state


@task()
def submit_print_job(job_id: int) -> str:
    job = printroom.submit_job(job_id)
    return job.state if job is not None else "not-claimed"


@task()
def check_print_jobs() -> dict[str, int]:
    return printroom.check_jobs()
