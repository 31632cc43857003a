"""`ykt dbt`: build the marts, generate and serve the dbt documentation, stop its server.

Also the `make run` stage `stage_docs` ("dbt 文档"). Heavy imports (dbt) stay inside the commands.
"""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

app = typer.Typer(help="分析建模（dbt）：构建数据集市、文档站点", no_args_is_help=True)
console = Console()


@app.command("build")
def build(ds: str = typer.Option(None, "--ds", help="业务日期 YYYY-MM-DD（默认：最新逻辑日期）")) -> None:
    """dbt build：种子、模型、数据测试与单元测试（analytics → marts）。"""
    from pipeline import transform

    try:
        day = date.fromisoformat(ds) if ds else None
    except ValueError:
        raise typer.BadParameter(f"无法识别日期 {ds!r}，应为 YYYY-MM-DD", param_hint="--ds") from None
    try:
        console.print(transform.build(day).summary())
    except transform.TransformFailed as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


@app.command("docs")
def docs() -> None:
    """生成 dbt 文档并在后台提供浏览（http://127.0.0.1:8081）。"""
    try:
        console.print(stage_docs())
    except Exception as exc:  # a generation or server failure, with its reason
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command("docs-stop")
def docs_stop() -> None:
    """停止 `ykt dbt docs` / `make run` 启动的文档服务。"""
    from pipeline import dbt_docs

    console.print("dbt 文档服务已停止" if dbt_docs.stop() else "dbt 文档服务未在运行")


def stage_docs() -> str:
    """`make run` 阶段：生成 dbt 文档，后台提供浏览；返回地址。"""
    from pipeline import dbt_docs, transform

    transform.docs()
    dbt_docs.publish()
    served = dbt_docs.serve()
    state = "已启动" if served.started else "已在运行（已更新）"
    return f"dbt 文档 {served.url} {state}；停止：ykt dbt docs-stop"
