"""``python -m wechat.fake --port 9100``: run the fake WeChat until interrupted."""

import argparse
from dataclasses import fields

from .server import FakeWeChat
from .state import Config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m wechat.fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    defaults = Config()
    for f in fields(Config):
        value = getattr(defaults, f.name)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            parser.add_argument("--" + f.name.replace("_", "-"), type=type(value), default=value)
    args = vars(parser.parse_args(argv))
    host, port = args.pop("host"), args.pop("port")
    server = FakeWeChat((host, port), Config(**args))
    print(f"Fake WeChat listening on {server.url} (WeCom also under {server.url}wecom/)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
