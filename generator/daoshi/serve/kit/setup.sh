#!/bin/sh
# daoshi 服务器安装脚本：由 daoshi server init 生成，以 root 运行，可以重复运行
# （已有的用户、密钥、配置文件不会被覆盖）。每一步做什么见 docs/deploy.md。
set -eu
KIT="$(cd "$(dirname "$0")" && pwd)"

echo "1/6 服务用户 {{ user }} 和目录"
if ! id -u {{ user }} >/dev/null 2>&1; then
    adduser --system --group --home {{ home }} --shell /bin/sh {{ user }}
fi
adduser {{ user }} {{ git_user }} >/dev/null      # 读记录仓库（gitolite3 组）
install -d -o {{ user }} -g {{ user }} -m 0750 {{ home }} {{ home }}/state /var/log/daoshi
install -d -o {{ user }} -g {{ user }} -m 0700 {{ home }}/.ssh /var/backups/daoshi

echo "2/6 gitolite 的 umask：仓库对 {{ git_user }} 组可读（默认 0077 只有 {{ git_user }} 自己能读）"
RC={{ git_home }}/.gitolite.rc
if [ -f "$RC" ]; then
    sed -i -E 's/^([[:space:]]*UMASK[[:space:]]*=>[[:space:]]*)0[0-7]+/\10027/' "$RC"
    grep -q "UMASK *=> *0027" "$RC" || { echo "请手工把 $RC 中的 UMASK 改为 0027"; exit 1; }
else
    echo "没有找到 $RC：先安装 gitolite3（apt-get install gitolite3），再运行本脚本"; exit 1
fi
chmod g+rx {{ git_home }} {{ git_home }}/repositories
chmod -R g+rX {{ git_home }}/repositories

echo "3/6 编辑器的 ssh 密钥（gitolite 用户 daoshi-editor）"
if [ ! -f {{ home }}/.ssh/id_ed25519 ]; then
    su {{ user }} -s /bin/sh -c 'ssh-keygen -q -t ed25519 -N "" -C daoshi-editor -f {{ home }}/.ssh/id_ed25519'
fi
install -m 0644 {{ home }}/.ssh/id_ed25519.pub "$KIT/gitolite/daoshi-editor.pub"
if ! su {{ user }} -s /bin/sh -c 'ssh-keygen -F localhost >/dev/null'; then
    su {{ user }} -s /bin/sh -c 'ssh-keyscan -t ed25519 localhost >> ~/.ssh/known_hosts 2>/dev/null'
fi
# 服务用户读 {{ git_user }} 的仓库：git 要求明确信任不属于自己的仓库
su {{ user }} -s /bin/sh -c 'git config --global --get-all safe.directory | grep -qx {{ repo }} || git config --global --add safe.directory {{ repo }}'

echo "4/6 配置文件（已有的不覆盖）"
if [ ! -f {{ home }}/notify.yaml ]; then
    install -o {{ user }} -g {{ user }} -m 0640 "$KIT/notify.yaml" {{ home }}/notify.yaml
fi
if [ ! -f {{ home }}/users.yaml ]; then
    install -o {{ user }} -g {{ user }} -m 0600 /dev/null {{ home }}/users.yaml
fi

echo "5/6 systemd 单元"
install -m 0644 "$KIT"/systemd/* /etc/systemd/system/
systemctl daemon-reload

echo "6/6 nginx 站点"
if [ -d /etc/nginx/sites-available ]; then
    install -m 0644 "$KIT/nginx/daoshi.conf" /etc/nginx/sites-available/daoshi
    ln -sf ../sites-available/daoshi /etc/nginx/sites-enabled/daoshi
else
    echo "没有 /etc/nginx：先 apt-get install nginx，再重新运行本脚本"
fi

echo "完成。下一步（docs/deploy.md 第 4 步起）：把 $KIT/gitolite/daoshi-editor.pub 放进"
echo "gitolite-admin 的 keydir/，把 $KIT/gitolite/gitolite.conf 的内容加进 conf/gitolite.conf。"
