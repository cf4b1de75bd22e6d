#!/bin/sh
# 记录仓库到位之后运行（以 root）：安装 daoshi 的钩子，让服务用户能读仓库。可以重复运行。
set -eu
REPO={{ repo }}
if [ ! -d "$REPO" ]; then
    echo "$REPO 还不存在：先按 docs/deploy.md 第 5 步放入记录仓库"; exit 1
fi
su {{ git_user }} -s /bin/sh -c "{{ daoshi }} hook install $REPO --delegate daoshi-editor"
chmod -R g+rX "$REPO"
echo "钩子已安装。推送后：常驻的 daoshi-build 只更新受影响的页面，daoshi-notify 发出提醒（由 systemd 的 .path 单元启动）。"
