"""`sanshe demo` runs the whole scripted scenario and exits 0, with no token and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_plays_the_scenario_in_chinese(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    expected_lines = (
        "请选择语言", "谢谢您的信任！", "您的社区：阳光社区", "收到您的表情", "✅ 已提交！您的求助编号是 YG-",
        "🆕 新任务 YG-", "✅ 您接下了 YG-", "已被接单", "小李（阳光社工服务中心）会为您服务", "服务人员已出发",
        "志愿者 小李 完成了", "有新进展：已完成", "用了多长时间", "✅ 已记录：YG-", "小李 填写了 YG-",
        "✅ 已确认 YG-", "谢谢您的评价：⭐⭐⭐⭐⭐", "🆕 待处理求助 YG-", "已关闭 YG-",
        "· 已评价", "同意时间：", "演示结束",
    )  # fmt: skip
    for expected in expected_lines:
        assert expected in out, expected
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())  # the throwaway database is gone


def test_the_wechat_demo_plays_the_same_story_through_the_wechat_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHE_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--channel", "wechat"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    expected_lines = (
        "王阿姨（微信）", "请选择语言", "1. 中文", "回复数字即可选择", "请输入您的11位手机号",
        "✅ 已提交！您的求助编号是 YG-", "🆕 新任务 YG-", "✅ 您接下了 YG-", "小李（阳光社工服务中心）会为您服务",
        "服务人员已出发", "谢谢您的评价：⭐⭐⭐⭐⭐", "重试 0 次", "演示结束",
    )  # fmt: skip
    for expected in expected_lines:
        assert expected in out, expected
    assert "Traceback" not in result.stderr
