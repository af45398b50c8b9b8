"""The public development values of the WeChat settings: the embedded default and the emulator
use them; production refuses every one of them (api.config.production_problems)."""

DEV_APPID = "wx0000000000000000"
DEV_SECRET = "emulator-secret"
DEV_TOKEN = "kuaixiang"  # message-push Token
DEV_AES_KEY = "kuaixiangDevelopmentEncodingAesKey000000000"  # 43 chars, development only
